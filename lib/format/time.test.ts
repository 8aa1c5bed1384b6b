import { describe, expect, it } from "vitest";
import { timeUntil } from "./time";

const now = new Date("2026-02-10T12:00:00Z");

describe("timeUntil", () => {
  it.each([
    ["2026-02-13T16:30:00Z", "in 3 days, 4 hours"],
    ["2026-02-11T12:00:00Z", "in 1 day"],
    ["2026-02-10T14:05:00Z", "in 2 hours, 5 minutes"],
    ["2026-02-10T12:00:30Z", "in 1 minute"],
    ["2026-02-10T11:00:00Z", "now"],
  ])("%s → %s", (iso, expected) => {
    expect(timeUntil(iso, now)).toBe(expected);
  });
});
