import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { makeApp, makeSeat, makeUser, makeWorkspace, writableRowCounts } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import type { Action } from "@/lib/action";
import type { SessionUser } from "@/lib/auth/session";

// Every server action, fed hostile input by a signed-in owner: each must answer with a
// result (never throw, never a 500), and a refusal must leave the database as it was.
const state = vi.hoisted(() => ({ user: null as SessionUser | null, db: null as unknown }));
vi.mock("@/lib/auth/session", () => ({ getSessionUser: async () => state.user, rememberWorkspace: async () => {} }));
vi.mock("@/lib/db", () => ({ getDb: async () => state.db }));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ cookies: async () => ({ set: () => {}, get: () => undefined }) }));

const modules = {
  billing: await import("@/app/(dashboard)/settings/billing/actions"),
  members: await import("@/app/(dashboard)/settings/members/actions"),
  keys: await import("@/app/(dashboard)/settings/api-keys/actions"),
  dashboard: await import("@/app/(dashboard)/actions"),
  shared: await import("@/lib/actions/workspace"),
  editor: await import("@/app/(editor)/apps/[appId]/editor/actions"),
  signUp: await import("@/app/(auth)/sign-up/actions"),
  invite: await import("@/app/invite/[token]/actions"),
};

// Every export of an actions module is an action of the one shape (input) => result.
const actions: [string, Action<unknown>][] = Object.entries(modules).flatMap(([mod, exports]) =>
  Object.entries(exports).map(([name, fn]): [string, Action<unknown>] => [`${mod}.${name}`, fn as Action<unknown>]),
);

let h: DbHandle & { cleanup(): Promise<void> };
let ids: string[] = [];
beforeAll(async () => {
  h = await createTestDb();
  state.db = h.db;
  const owner = await makeUser(h.db, "Owner", new Date("2026-01-01T00:00:00Z"));
  const mate = await makeUser(h.db, "Mate", new Date("2026-01-01T00:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date(Date.now() - 86_400_000), members: [{ id: mate.id }] });
  const seat = await makeSeat(h.db, ws, "starter", mate.id);
  const app = await makeApp(h.db, ws, owner);
  ids = [owner.id, mate.id, ws.id, seat.id, app.id];
  state.user = { id: owner.id, email: owner.email, name: owner.name };
});
afterAll(async () => h?.cleanup());

const value = () =>
  fc.oneof(
    fc.constantFrom(...ids),
    fc.uuid(),
    fc.string({ maxLength: 50 }),
    fc.constantFrom("starter", "elite", "free", "admin", "owner", "discuss", "implement", "title", "accent", "integration.llm", "message.discuss", ""),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.uuid(), { maxLength: 3 }),
    fc.string({ minLength: 5000, maxLength: 6000 }),
  );
const keys = fc.constantFrom("workspaceId", "seatId", "appId", "userId", "toUserId", "changeId", "planId", "toPlanId", "holderUserId", "email", "role", "name", "mode", "text", "field", "value", "action", "requestId", "ids", "token", "password");
const input = () => fc.dictionary(keys, value(), { maxKeys: 6 });

describe.each(actions)("%s under hostile input", (_name, action) => {
  it("always answers with a result, and a refusal writes nothing", async () => {
    expect(actions.length).toBeGreaterThanOrEqual(16);
    await fc.assert(
      fc.asyncProperty(input(), async (raw) => {
        const before = await writableRowCounts(h.db);
        const result = await action(raw);
        expect(typeof result.ok).toBe("boolean");
        if (!result.ok) {
          expect(result.error).not.toMatch(/Something went wrong on our side/);
          expect(await writableRowCounts(h.db)).toEqual(before);
        }
      }),
      { numRuns: 40 },
    );
  });
});
