import { describe, expect, it } from "vitest";
import { crossedThresholds } from "./notices";

describe("crossedThresholds", () => {
  it.each([
    // before, after, allowance, cheapest → crossed
    [0, 799, 1000, 1, []],
    [0, 800, 1000, 1, [80]],
    [799, 1000, 1000, 1, [80, 100]],
    [800, 999, 1000, 1, []],
    [900, 1000, 1000, 1, [100]],
    // The dead zone: 0.1 left of message credits whose cheapest action costs 0.3 is used up.
    [4_500, 4_900, 5_000, 300, [100]],
    [4_600, 4_700, 5_000, 300, []], // 0.3 left: one more discussion message fits
    [4_700, 4_800, 5_000, 300, [100]],
    [4_600, 4_700, 5_000, 1, []],
    [4_900, 5_000, 5_000, 300, []],
    [0, 0, 1000, 1, []],
  ])("%i → %i of %i (cheapest %i): %j", (before, after, allowance, cheapest, expected) => {
    expect(crossedThresholds(before, after, allowance, cheapest)).toEqual(expected);
  });
});
