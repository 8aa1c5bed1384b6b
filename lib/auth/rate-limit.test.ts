// @pooler: transaction-level advisory locks (CI runs this file again through PgBouncer)
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { signInFailures } from "@/db/schema";
import { createTestDb } from "@/tests/support/test-db";
import {
  claimSignInTry,
  clearSignInTry,
  clientAddress,
  MAX_FAILURES_PER_EMAIL,
  MAX_FAILURES_PER_EMAIL_AND_ADDRESS,
  MAX_FAILURES_PER_IP,
  SIGN_IN_WINDOW_MS,
} from "./rate-limit";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const now = new Date("2026-03-01T12:00:00Z");
const failuresOf = async (email: string) => (await h.db.select({ n: count() }).from(signInFailures).where(eq(signInFailures.email, email)))[0]!.n;

describe("sign-in limits", () => {
  it("stops one email from one address after 10 failures in 15 minutes, and lets it try again after", async () => {
    const who = { email: "victim@example.com", ip: "198.51.100.1" };
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL_AND_ADDRESS; i++) expect(await claimSignInTry(h.db, who, now)).not.toBeNull();
    expect(await claimSignInTry(h.db, who, now)).toBeNull();
    expect(await claimSignInTry(h.db, who, new Date(now.getTime() + SIGN_IN_WINDOW_MS + 1))).not.toBeNull();
  });

  it("someone guessing from elsewhere does not lock the person out of their own address", async () => {
    const email = "person@example.com";
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL_AND_ADDRESS; i++) await claimSignInTry(h.db, { email, ip: "203.0.113.66" }, now);
    expect(await claimSignInTry(h.db, { email, ip: "203.0.113.66" }, now)).toBeNull();
    const own = await claimSignInTry(h.db, { email, ip: "198.51.100.7" }, now);
    expect(own).not.toBeNull();
    await clearSignInTry(h.db, own!);
  });

  it("a spread attack on one email hits the per-email backstop", async () => {
    const email = "backstop@example.com";
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) expect(await claimSignInTry(h.db, { email, ip: `192.0.2.${i % 250}` }, now)).not.toBeNull();
    expect(await claimSignInTry(h.db, { email, ip: "192.0.2.251" }, now)).toBeNull();
  });

  it("stops an address spraying many emails", async () => {
    for (let i = 0; i < MAX_FAILURES_PER_IP; i++) await claimSignInTry(h.db, { email: `u${i}@example.com`, ip: "192.0.2.9" }, now);
    expect(await claimSignInTry(h.db, { email: "fresh@example.com", ip: "192.0.2.9" }, now)).toBeNull();
    expect(await claimSignInTry(h.db, { email: "fresh@example.com", ip: "192.0.2.10" }, now)).not.toBeNull();
  });

  it("40 wrong passwords at once for one email: exactly 10 are tried, 30 refused", async () => {
    const who = { email: "raced@example.com", ip: "198.51.100.40" };
    const claims = await Promise.all(Array.from({ length: 40 }, () => claimSignInTry(h.db, who, now)));
    expect(claims.filter((c) => c !== null)).toHaveLength(MAX_FAILURES_PER_EMAIL_AND_ADDRESS);
    expect(await failuresOf(who.email)).toBe(MAX_FAILURES_PER_EMAIL_AND_ADDRESS);
  });

  it("a right password clears its try: it never counts against the person", async () => {
    const who = { email: "right@example.com", ip: null };
    const id = await claimSignInTry(h.db, who, now);
    await clearSignInTry(h.db, id!);
    expect(await failuresOf(who.email)).toBe(0);
  });
});

describe("the client's address", () => {
  it.each([
    ["203.0.113.5", 0, null],
    ["203.0.113.5", 1, "203.0.113.5"],
    ["6.6.6.6, 203.0.113.5", 1, "203.0.113.5"],
    ["6.6.6.6, 203.0.113.5, 10.0.0.2", 2, "203.0.113.5"],
    [null, 1, null],
  ])("X-Forwarded-For %j behind %i trusted proxies → %j", (header, proxies, expected) => {
    expect(clientAddress(header, proxies)).toBe(expected);
  });
});
