import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cycleAt, monthlyBoundary } from "./cycle";

const d = (iso: string) => new Date(iso);
const iso = (c: { start: Date; end: Date }) => [c.start.toISOString(), c.end.toISOString()];

describe("cycleAt, monthly", () => {
  it.each([
    // anchor, at, expected start, expected end
    ["2026-01-31T10:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-01-31T10:00:00.000Z", "2026-02-28T10:00:00.000Z"],
    ["2026-01-31T10:00:00.000Z", "2026-03-01T00:00:00.000Z", "2026-02-28T10:00:00.000Z", "2026-03-31T10:00:00.000Z"],
    ["2026-01-31T10:00:00.000Z", "2026-04-15T00:00:00.000Z", "2026-03-31T10:00:00.000Z", "2026-04-30T10:00:00.000Z"],
    ["2026-01-31T10:00:00.000Z", "2026-05-10T00:00:00.000Z", "2026-04-30T10:00:00.000Z", "2026-05-31T10:00:00.000Z"],
    // Leap year: Jan 31 -> Feb 29.
    ["2028-01-31T10:00:00.000Z", "2028-02-15T00:00:00.000Z", "2028-01-31T10:00:00.000Z", "2028-02-29T10:00:00.000Z"],
    // A Feb 29 anchor: the 28th in common years, the 29th in leap years, the 29th in other months.
    ["2028-02-29T08:30:00.000Z", "2029-02-28T09:00:00.000Z", "2029-02-28T08:30:00.000Z", "2029-03-29T08:30:00.000Z"],
    ["2028-02-29T08:30:00.000Z", "2029-02-28T08:00:00.000Z", "2029-01-29T08:30:00.000Z", "2029-02-28T08:30:00.000Z"],
    ["2028-02-29T08:30:00.000Z", "2032-02-29T12:00:00.000Z", "2032-02-29T08:30:00.000Z", "2032-03-29T08:30:00.000Z"],
    // Subscribed July 5: resets on the 5th of every month.
    ["2026-07-05T14:00:00.000Z", "2026-07-05T14:00:00.000Z", "2026-07-05T14:00:00.000Z", "2026-08-05T14:00:00.000Z"],
    ["2026-07-05T14:00:00.000Z", "2026-12-24T00:00:00.000Z", "2026-12-05T14:00:00.000Z", "2027-01-05T14:00:00.000Z"],
    ["2026-07-05T14:00:00.000Z", "2027-01-05T13:59:59.999Z", "2026-12-05T14:00:00.000Z", "2027-01-05T14:00:00.000Z"],
    // Exactly on a boundary: the instant belongs to the new cycle.
    ["2026-07-05T14:00:00.000Z", "2027-01-05T14:00:00.000Z", "2027-01-05T14:00:00.000Z", "2027-02-05T14:00:00.000Z"],
    // The 30th across February and into a month of 31 days.
    ["2026-01-30T00:00:00.000Z", "2026-03-15T00:00:00.000Z", "2026-02-28T00:00:00.000Z", "2026-03-30T00:00:00.000Z"],
    // Year change.
    ["2026-11-25T23:59:00.000Z", "2027-01-01T00:00:00.000Z", "2026-12-25T23:59:00.000Z", "2027-01-25T23:59:00.000Z"],
    // Before the anchor: the cycle that would have preceded it.
    ["2026-03-31T10:00:00.000Z", "2026-03-01T00:00:00.000Z", "2026-02-28T10:00:00.000Z", "2026-03-31T10:00:00.000Z"],
  ])("anchor %s at %s → [%s, %s)", (anchor, at, start, end) => {
    expect(iso(cycleAt(d(anchor), "monthly", d(at)))).toEqual([start, end]);
  });

  it("walks Jan 31 → Feb 28 → Mar 31 → Apr 30 → May 31 from the anchor, not from the last boundary", () => {
    const anchor = d("2026-01-31T10:00:00.000Z");
    expect([0, 1, 2, 3, 4].map((n) => monthlyBoundary(anchor, n).toISOString())).toEqual([
      "2026-01-31T10:00:00.000Z",
      "2026-02-28T10:00:00.000Z",
      "2026-03-31T10:00:00.000Z",
      "2026-04-30T10:00:00.000Z",
      "2026-05-31T10:00:00.000Z",
    ]);
  });
});

describe("cycleAt, daily", () => {
  it.each([
    ["2026-03-10T17:45:12.345Z", "2026-03-10T17:45:12.345Z", "2026-03-10T17:45:12.345Z", "2026-03-11T17:45:12.345Z"],
    ["2026-03-10T17:45:12.345Z", "2026-03-11T17:45:12.344Z", "2026-03-10T17:45:12.345Z", "2026-03-11T17:45:12.345Z"],
    ["2026-03-10T17:45:12.345Z", "2026-03-11T17:45:12.345Z", "2026-03-11T17:45:12.345Z", "2026-03-12T17:45:12.345Z"],
    ["2026-03-10T17:45:12.345Z", "2026-04-01T00:00:00.000Z", "2026-03-31T17:45:12.345Z", "2026-04-01T17:45:12.345Z"],
    ["2026-03-10T17:45:12.345Z", "2026-03-09T18:00:00.000Z", "2026-03-09T17:45:12.345Z", "2026-03-10T17:45:12.345Z"],
  ])("signed up %s, at %s → [%s, %s)", (anchor, at, start, end) => {
    expect(iso(cycleAt(d(anchor), "daily", d(at)))).toEqual([start, end]);
  });

  it("is 24 hours long whatever the calendar", () => {
    const c = cycleAt(d("2026-03-28T12:00:00Z"), "daily", d("2026-03-29T15:00:00Z"));
    expect(c.end.getTime() - c.start.getTime()).toBe(86_400_000);
  });
});

describe("cycleAt properties", () => {
  const instant = fc.date({ min: d("1990-01-01T00:00:00Z"), max: d("2090-01-01T00:00:00Z"), noInvalidDate: true });
  const cadence = fc.constantFrom("monthly" as const, "daily" as const);

  it("contains the instant: start ≤ at < end", () => {
    fc.assert(
      fc.property(instant, instant, cadence, (anchor, at, cad) => {
        const c = cycleAt(anchor, cad, at);
        return c.start.getTime() <= at.getTime() && at.getTime() < c.end.getTime();
      }),
      { numRuns: 2000 },
    );
  });

  it("tiles time: the cycle after a cycle starts exactly where it ended (no gap, no overlap)", () => {
    fc.assert(
      fc.property(instant, instant, cadence, (anchor, at, cad) => {
        const c = cycleAt(anchor, cad, at);
        const next = cycleAt(anchor, cad, c.end);
        const prev = cycleAt(anchor, cad, new Date(c.start.getTime() - 1));
        return next.start.getTime() === c.end.getTime() && prev.end.getTime() === c.start.getTime();
      }),
      { numRuns: 2000 },
    );
  });

  it("every instant inside a cycle maps to that same cycle", () => {
    fc.assert(
      fc.property(instant, instant, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), cadence, (anchor, at, f, cad) => {
        const c = cycleAt(anchor, cad, at);
        const inside = new Date(c.start.getTime() + Math.floor(f * (c.end.getTime() - c.start.getTime())));
        const again = cycleAt(anchor, cad, inside);
        return again.start.getTime() === c.start.getTime() && again.end.getTime() === c.end.getTime();
      }),
      { numRuns: 2000 },
    );
  });

  it("monthly cycles start on the anchor's day (clamped) at the anchor's time of day", () => {
    fc.assert(
      fc.property(instant, instant, (anchor, at) => {
        const { start } = cycleAt(anchor, "monthly", at);
        const lastDay = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0)).getUTCDate();
        return (
          start.getUTCDate() === Math.min(anchor.getUTCDate(), lastDay) &&
          start.getUTCHours() === anchor.getUTCHours() &&
          start.getUTCMinutes() === anchor.getUTCMinutes() &&
          start.getUTCSeconds() === anchor.getUTCSeconds() &&
          start.getUTCMilliseconds() === anchor.getUTCMilliseconds()
        );
      }),
      { numRuns: 2000 },
    );
  });
});
