import { describe, expect, it } from "vitest";
import { credits, formatCredits, toCreditNumber } from "./amounts";

describe("amounts", () => {
  it.each([
    [0, 0],
    [300, 0.3],
    [1000, 1],
    [1234500, 1234.5],
    [1, 0.001],
    [10_000_000, 10000],
    [-300, -0.3],
  ])("toCreditNumber(%i) = %d", (mc, expected) => {
    expect(toCreditNumber(mc)).toBe(expected);
  });

  it.each([
    [0, "0"],
    [300, "0.3"],
    [1250, "1.3"],
    [1249, "1.2"],
    [99_950, "100"],
    [1_234_567, "1,234.6"],
    [10_000_000, "10,000"],
  ])("formatCredits(%i) = %s", (mc, expected) => {
    expect(formatCredits(mc)).toBe(expected);
  });

  it("credits() converts whole credits and rejects fractions", () => {
    expect(credits(250)).toBe(250_000);
    expect(() => credits(0.3)).toThrow();
  });

  it("ten discussion messages are exactly three credits (no float drift)", () => {
    let total = 0;
    for (let i = 0; i < 10; i++) total += 300;
    expect(total).toBe(credits(3));
    expect(toCreditNumber(total)).toBe(3);
  });
});
