import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { credits } from "./amounts";
import { forecastRunOut } from "./forecast";

const DAY = 86_400_000;
const now = new Date("2026-11-28T12:00:00.000Z");
const resetsAt = new Date("2026-12-05T09:00:00.000Z"); // 6 days 21 hours from now
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
/** `perDay` credits every day of the last week, one bucket a day. */
const steady = (perDay: number) => Array.from({ length: 7 }, (_, i) => ({ hour: hoursAgo(24 * i + 1), charged: credits(perDay) }));

describe("forecastRunOut", () => {
  it.each([
    // perDay, available, expected run-out (null: lasts until the reset)
    [100, 300, "2026-12-01T12:00:00.000Z"], // 3 days of 100 a day
    [100, 700, null], // 7 days at 100 a day: past the reset in 6 d 21 h
    [100, 686, "2026-12-05T08:38:24.000Z"], // just before the reset
    [0, 10, null], // no recent use: no forecast of running out
    [50, 0, "2026-11-28T12:00:00.000Z"], // nothing left: out now
  ])("%s a day with %s available → %s", (perDay, available, expected) => {
    const f = forecastRunOut({ history: perDay ? steady(perDay) : [], available: credits(available), cycleEnd: resetsAt, now });
    expect(f.runsOutAt?.toISOString() ?? null).toBe(expected);
    expect(f.basis).toEqual({ windowDays: 7, perDay: credits(perDay) });
  });

  it("counts only the last seven days before now, and a quiet day as quiet", () => {
    const old = { hour: new Date(now.getTime() - 8 * DAY), charged: credits(10_000) };
    const future = { hour: new Date(now.getTime() + 3_600_000), charged: credits(10_000) };
    const oneBusyDay = { hour: hoursAgo(2), charged: credits(700) }; // 700 in a week: 100 a day
    const f = forecastRunOut({ history: [old, future, oneBusyDay], available: credits(300), cycleEnd: resetsAt, now });
    expect(f.runsOutAt?.toISOString()).toBe("2026-12-01T12:00:00.000Z");
  });

  const bucket = fc.record({ hoursAgo: fc.integer({ min: 1, max: 24 * 10 }), charged: fc.integer({ min: 0, max: credits(5_000) }) });
  const input = fc.record({
    history: fc.array(bucket, { maxLength: 60 }),
    available: fc.integer({ min: 0, max: credits(100_000) }),
    resetInMs: fc.integer({ min: 1, max: 40 * DAY }),
  });
  const run = (i: { history: { hoursAgo: number; charged: number }[]; available: number; resetInMs: number }) =>
    forecastRunOut({ history: i.history.map((b) => ({ hour: hoursAgo(b.hoursAgo), charged: b.charged })), available: i.available, cycleEnd: new Date(now.getTime() + i.resetInMs), now });

  it("property: a run-out, when there is one, falls between now and the reset", () => {
    fc.assert(
      fc.property(input, (i) => {
        const at = run(i).runsOutAt;
        return at === null || (at.getTime() >= now.getTime() && at.getTime() < now.getTime() + i.resetInMs);
      }),
    );
  });

  it("property: more available never runs out sooner; more use never runs out later", () => {
    const later = (a: Date | null, b: Date | null) => (a === null ? b === null || true : b === null || b.getTime() >= a.getTime());
    fc.assert(
      fc.property(input, fc.integer({ min: 0, max: credits(10_000) }), bucket, (i, more, extra) => {
        const base = run(i).runsOutAt;
        const richer = run({ ...i, available: i.available + more }).runsOutAt;
        const busier = run({ ...i, history: [...i.history, extra] }).runsOutAt;
        // richer is never earlier than base; base is never earlier than busier.
        return (base === null ? richer === null : later(base, richer)) && (busier === null ? base === null : later(busier, base));
      }),
    );
  });

  it("property: top-ups count: what is available, not only the allowance, sets the date", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 5000 }), (perDay, topUp) => {
        const without = forecastRunOut({ history: steady(perDay), available: credits(perDay), cycleEnd: new Date(now.getTime() + 60 * DAY), now }).runsOutAt!;
        const withTopUp = forecastRunOut({ history: steady(perDay), available: credits(perDay + topUp), cycleEnd: new Date(now.getTime() + 60 * DAY), now }).runsOutAt;
        return withTopUp === null || withTopUp.getTime() > without.getTime();
      }),
    );
  });
});
