import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createTestDb } from "@/tests/support/test-db";
import { MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_IP, recordSignInFailure, SIGN_IN_WINDOW_MS, signInAllowed } from "./rate-limit";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const now = new Date("2026-03-01T12:00:00Z");

describe("sign-in rate limit", () => {
  it("stops an email after 10 failures in 15 minutes, and lets it try again after the window", async () => {
    const who = { email: "victim@example.com", ip: "10.0.0.1" };
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
      expect(await signInAllowed(h.db, who, now)).toBe(true);
      await recordSignInFailure(h.db, who, new Date(now.getTime() - 1000 * i));
    }
    expect(await signInAllowed(h.db, who, now)).toBe(false);
    expect(await signInAllowed(h.db, { ...who, ip: "10.0.0.2" }, now)).toBe(false);
    expect(await signInAllowed(h.db, { email: "other@example.com", ip: "10.0.0.3" }, now)).toBe(true);
    expect(await signInAllowed(h.db, who, new Date(now.getTime() + SIGN_IN_WINDOW_MS))).toBe(true);
  });

  it("stops an address spraying many emails", async () => {
    for (let i = 0; i < MAX_FAILURES_PER_IP; i++) await recordSignInFailure(h.db, { email: `u${i}@example.com`, ip: "192.0.2.9" }, now);
    expect(await signInAllowed(h.db, { email: "fresh@example.com", ip: "192.0.2.9" }, now)).toBe(false);
    expect(await signInAllowed(h.db, { email: "fresh@example.com", ip: "192.0.2.10" }, now)).toBe(true);
  });
});
