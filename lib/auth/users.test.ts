import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { creditAccounts, memberships, users, workspaces } from "@/db/schema";
import { createTestDb } from "@/tests/support/test-db";
import { createUser, EmailTakenError, verifyCredentials } from "./users";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const now = new Date("2026-03-10T12:00:00Z");

async function rowCounts() {
  const [u] = await h.db.select({ n: count() }).from(users);
  const [w] = await h.db.select({ n: count() }).from(workspaces);
  const [m] = await h.db.select({ n: count() }).from(memberships);
  const [a] = await h.db.select({ n: count() }).from(creditAccounts);
  return { users: u!.n, workspaces: w!.n, memberships: m!.n, accounts: a!.n };
}

describe("createUser", () => {
  it("creates the person, an owned personal workspace and one free allowance anchored now", async () => {
    const { user, workspace } = await createUser(h.db, { name: " Barbara Liskov ", email: " Barbara@Example.com ", password: "secret-pass" }, now);
    expect(user.email).toBe("barbara@example.com");
    expect(user.name).toBe("Barbara Liskov");
    expect(user.passwordHash).not.toContain("secret-pass");
    expect(workspace).toMatchObject({ name: "Barbara Liskov's workspace", ownerId: user.id, personal: true, billingAnchor: null });
    const roles = await h.db.select().from(memberships).where(eq(memberships.userId, user.id));
    expect(roles.map((r) => [r.workspaceId, r.role])).toEqual([[workspace.id, "owner"]]);
    const accounts = await h.db.select().from(creditAccounts).where(eq(creditAccounts.holderUserId, user.id));
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ type: "free", planId: "free", workspaceId: null, status: "active" });
    expect(accounts[0]!.anchorAt.toISOString()).toBe(now.toISOString());
  });

  it("refuses a second sign-up with the same email, in any case, and writes nothing", async () => {
    const before = await rowCounts();
    await expect(createUser(h.db, { name: "Impostor", email: "BARBARA@example.com", password: "whatever1" }, now)).rejects.toBeInstanceOf(
      EmailTakenError,
    );
    expect(await rowCounts()).toEqual(before);
  });
});

describe("verifyCredentials", () => {
  it("returns the person for the right password, with the email in any case", async () => {
    const user = await verifyCredentials(h.db, "barbara@EXAMPLE.com", "secret-pass");
    expect(user).toMatchObject({ email: "barbara@example.com", name: "Barbara Liskov" });
  });

  it("returns null for a wrong password and for an unknown email alike", async () => {
    expect(await verifyCredentials(h.db, "barbara@example.com", "wrong-pass")).toBeNull();
    expect(await verifyCredentials(h.db, "nobody@example.com", "secret-pass")).toBeNull();
  });
});
