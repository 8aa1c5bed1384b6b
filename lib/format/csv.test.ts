import { describe, expect, it } from "vitest";
import { csvCell } from "./csv";

describe("csvCell", () => {
  it.each([
    ["plain", "plain"],
    [12.5, "12.5"],
    [null, ""],
    ['say "hi", then', '"say ""hi"", then"'],
    ["line\nbreak", '"line\nbreak"'],
    ["=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""],
    ["+1", "'+1"],
    ["@sum", "'@sum"],
  ])("%j → %s", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });
});
