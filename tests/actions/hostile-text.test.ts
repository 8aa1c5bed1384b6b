import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import type { SessionUser } from "@/lib/auth/session";
import { makeApp, makeUser, makeWorkspace, writableRowCounts } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";

// NUL bytes and lone surrogates used to reach PostgreSQL and come back as "Something went
// wrong". They are field errors now, and nothing is written.
const state = vi.hoisted(() => ({ user: null as SessionUser | null, db: null as unknown }));
vi.mock("@/lib/auth/session", () => ({ getSessionUser: async () => state.user, rememberWorkspace: async () => {} }));
vi.mock("@/lib/db", () => ({ getDb: async () => state.db }));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const { signUpAction } = await import("@/app/(auth)/sign-up/actions");
const { createAppAction } = await import("@/app/(dashboard)/actions");
const { manualEditAction, sendMessageAction } = await import("@/app/(editor)/apps/[appId]/editor/actions");

let h: DbHandle & { cleanup(): Promise<void> };
let ids: { workspaceId: string; appId: string };
beforeAll(async () => {
  h = await createTestDb();
  state.db = h.db;
  const owner = await makeUser(h.db, "Owner", new Date("2026-01-01T00:00:00Z"));
  const ws = await makeWorkspace(h.db, owner);
  const app = await makeApp(h.db, ws, owner);
  ids = { workspaceId: ws.id, appId: app.id };
  state.user = { id: owner.id, email: owner.email, name: owner.name };
});
afterAll(async () => h?.cleanup());

const hostile = { "a NUL byte": "Ada\u0000Lovelace", "a lone high surrogate": "Ada \uD800", "a lone low surrogate": "\uDC00 Ada" };

describe.each(Object.entries(hostile))("text with %s", (_what, text) => {
  it("is a field error in sign-up, app name, headline and chat, and writes nothing", async () => {
    const before = await writableRowCounts(h.db);
    const results = {
      name: await signUpAction({ name: text, email: `x-${Math.random()}@example.com`, password: "long enough" }),
      appName: await createAppAction({ workspaceId: ids.workspaceId, name: text }),
      value: await manualEditAction({ appId: ids.appId, field: "title", value: text, requestId: `req-${Math.random()}` }),
      text: await sendMessageAction({ appId: ids.appId, mode: "discuss", text, requestId: `req-${Math.random()}` }),
    };
    for (const [field, r] of Object.entries(results)) {
      expect(r.ok, field).toBe(false);
      if (r.ok) continue;
      expect(r.error).toBe("Please correct the highlighted fields.");
      const fieldErrors = r.fieldErrors ?? {};
      expect(fieldErrors[field === "appName" ? "name" : field]?.[0], field).toMatch(/letters, numbers|control characters/);
    }
    expect(await writableRowCounts(h.db)).toEqual(before);
  });
});

it("ordinary text with accents, emoji and (in chat) line breaks still passes", async () => {
  const r = await sendMessageAction({ appId: ids.appId, mode: "discuss", text: "Café ☕️ 👩🏽‍💻\nsecond line", requestId: `req-${Math.random()}` });
  expect(r).toMatchObject({ ok: true });
  const a = await createAppAction({ workspaceId: ids.workspaceId, name: "Crème brûlée 🍮" });
  expect(a).toMatchObject({ ok: true, data: { name: "Crème brûlée 🍮" } });
});
