import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-next";

describe("safeNext keeps sign-in redirects on this site", () => {
  it.each([
    ["/settings/workspace", "/settings/workspace"],
    ["/invite/abc?x=1#top", "/invite/abc?x=1#top"],
    [null, "/"],
    ["", "/"],
    ["https://evil.example/d", "/"],
    ["//evil.example/d", "/"],
    ["/\\evil.example/d", "/"],
    // A browser drops tabs and newlines from URLs: these all become //evil.example/d.
    ["/\t/evil.example/d", "/"],
    ["/\n/evil.example/d", "/"],
    ["/\r/evil.example/d", "/"],
    [decodeURIComponent("/%09/evil.example/d"), "/"],
    ["/\\\t\\evil.example", "/"],
    ["javascript:alert(1)", "/"],
  ])("%j → %j", (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });
});
