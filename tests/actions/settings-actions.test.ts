import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { makeApp, makeSeat, makeUser, makeWorkspace, writableRowCounts } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { changeSeatPlan } from "@/lib/billing/seats/change-plan";
import { removeSeat } from "@/lib/billing/seats/end-seats";
import type { SessionUser } from "@/lib/auth/session";

// The server actions run as in production (validation, session check, role check, domain
// call); only where the session and the database come from is replaced.
const state = vi.hoisted(() => ({ user: null as SessionUser | null, db: null as unknown }));
vi.mock("@/lib/auth/session", () => ({ getSessionUser: async () => state.user, rememberWorkspace: async () => {} }));
vi.mock("@/lib/db", () => ({ getDb: async () => state.db }));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ cookies: async () => ({ set: () => {}, get: () => undefined }) }));

const billing = await import("@/app/(dashboard)/settings/billing/actions");
const members = await import("@/app/(dashboard)/settings/members/actions");
const keys = await import("@/app/(dashboard)/settings/api-keys/actions");
const dashboard = await import("@/app/(dashboard)/actions");
const shared = await import("@/lib/actions/workspace");
const editor = await import("@/app/(editor)/apps/[appId]/editor/actions");

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
  state.db = h.db;
});
afterAll(async () => h?.cleanup());
beforeEach(() => {
  state.user = null;
});

type Who = "owner" | "admin" | "member" | "outsider" | "signed out";
const everyone: Who[] = ["owner", "admin", "member", "outsider", "signed out"];

/** A fresh workspace per case: owner (Starter seat), admin, member (Starter seat), a seatless member, an outsider. */
async function world() {
  const at = new Date("2026-01-01T00:00:00Z");
  const owner = await makeUser(h.db, "Owner", at);
  const admin = await makeUser(h.db, "Admin", at);
  const member = await makeUser(h.db, "Member", at);
  const spare = await makeUser(h.db, "Spare", at);
  const outsider = await makeUser(h.db, "Outsider", at);
  const ws = await makeWorkspace(h.db, owner, {
    billingAnchor: new Date(Date.now() - 5 * 86_400_000),
    members: [{ id: admin.id, role: "admin" }, { id: member.id }, { id: spare.id }],
  });
  await makeWorkspace(h.db, outsider, {});
  const ownerSeat = await makeSeat(h.db, ws, "starter", owner.id);
  const memberSeat = await makeSeat(h.db, ws, "starter", member.id);
  const app = await makeApp(h.db, ws, owner);
  const people = { owner, admin, member, outsider };
  const as = (who: Who): SessionUser | null => {
    if (who === "signed out") return null;
    const u = people[who];
    return { id: u.id, email: u.email, name: u.name };
  };
  return { owner, admin, member, spare, outsider, ws, ownerSeat, memberSeat, app, as };
}

type World = Awaited<ReturnType<typeof world>>;
interface Case {
  name: string;
  allowed: Who[];
  /** The refusal a signed-in member or admin gets, when it is not "Only the workspace owner…". */
  refusal?: RegExp;
  setup?: (w: World) => Promise<unknown>;
  run: (w: World, setup: unknown) => Promise<{ ok: boolean; error?: string }>;
}

const cases: Case[] = [
  { name: "add a seat", allowed: ["owner"], run: (w) => billing.addSeatAction({ workspaceId: w.ws.id, planId: "pro", holderUserId: w.spare.id }) },
  { name: "upgrade a seat", allowed: ["owner"], run: (w) => billing.changeSeatPlanAction({ seatId: w.memberSeat.id, toPlanId: "builder" }) },
  { name: "schedule a downgrade", allowed: ["owner"], setup: (w) => changeSeatPlan(h.db, { seatId: w.memberSeat.id, toPlanId: "pro", byUserId: w.owner.id }, new Date()), run: (w) => billing.changeSeatPlanAction({ seatId: w.memberSeat.id, toPlanId: "starter" }) },
  { name: "remove a seat", allowed: ["owner"], run: (w) => billing.removeSeatAction({ seatId: w.memberSeat.id }) },
  { name: "cancel the plan", allowed: ["owner"], run: (w) => billing.cancelPlanAction({ workspaceId: w.ws.id }) },
  {
    name: "undo a pending change",
    allowed: ["owner"],
    setup: (w) => removeSeat(h.db, { seatId: w.memberSeat.id, byUserId: w.owner.id }, new Date()),
    run: (w, change) => billing.undoChangeAction({ changeId: (change as { change: { id: string } }).change.id }),
  },
  { name: "invite a member", allowed: ["owner", "admin"], run: (w) => members.inviteAction({ workspaceId: w.ws.id, email: `new-${Math.random()}@example.com`, role: "member" }) },
  { name: "invite an admin", allowed: ["owner"], run: (w) => members.inviteAction({ workspaceId: w.ws.id, email: `new-${Math.random()}@example.com`, role: "admin" }) },
  { name: "remove a member", allowed: ["owner", "admin"], run: (w) => members.removeMemberAction({ workspaceId: w.ws.id, userId: w.spare.id }) },
  { name: "change a role", allowed: ["owner"], run: (w) => members.changeRoleAction({ workspaceId: w.ws.id, userId: w.spare.id, role: "admin" }) },
  { name: "transfer a seat", allowed: ["owner", "admin"], run: (w) => members.transferSeatAction({ seatId: w.memberSeat.id, toUserId: w.spare.id }) },
  { name: "create an app", allowed: ["owner", "admin", "member"], run: (w) => dashboard.createAppAction({ workspaceId: w.ws.id, name: "Another app" }) },
  { name: "create an app key", allowed: ["owner"], refusal: /^Only the app's owner can create keys for it\.$/, run: (w) => keys.createKeyAction({ appId: w.app.id }) },
  { name: "send a chat message", allowed: ["owner", "admin", "member"], run: (w) => editor.sendMessageAction({ appId: w.app.id, mode: "discuss", text: "Hello", requestId: `req-${Math.random()}` }) },
  { name: "make a manual edit", allowed: ["owner", "admin", "member"], run: (w) => editor.manualEditAction({ appId: w.app.id, field: "title", value: "New title", requestId: `req-${Math.random()}` }) },
  { name: "run an integration", allowed: ["owner", "admin", "member"], run: (w) => editor.runIntegrationAction({ appId: w.app.id, action: "integration.email", requestId: `req-${Math.random()}` }) },
];

describe.each(cases)("$name", (c) => {
  it.each(everyone)("as %s", async (who) => {
    const w = await world();
    const setup = c.setup ? await c.setup(w) : undefined;
    state.user = w.as(who);
    const before = await writableRowCounts(h.db);
    const result = await c.run(w, setup);
    if (c.allowed.includes(who)) {
      expect(result).toMatchObject({ ok: true });
      expect(await writableRowCounts(h.db)).not.toEqual(before);
    } else {
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(
        who === "signed out" ? /sign in again/ : who === "outsider" ? /not found/ : (c.refusal ?? /^Only the workspace owner/),
      );
      expect(await writableRowCounts(h.db)).toEqual(before);
    }
  });
});

describe("guards that hold whatever the role", () => {
  it("the owner cannot be removed, by an admin or by themselves", async () => {
    const w = await world();
    for (const who of ["admin", "owner"] as const) {
      state.user = w.as(who);
      const before = await writableRowCounts(h.db);
      const r = await members.removeMemberAction({ workspaceId: w.ws.id, userId: w.owner.id });
      expect(r).toMatchObject({ ok: false, error: "The workspace owner cannot be removed." });
      expect(await writableRowCounts(h.db)).toEqual(before);
    }
  });

  it("an admin cannot remove another admin", async () => {
    const w = await world();
    const other = await makeUser(h.db, "Admin2", new Date("2026-01-01T00:00:00Z"));
    const { memberships } = await import("@/db/schema");
    await h.db.insert(memberships).values({ workspaceId: w.ws.id, userId: other.id, role: "admin" });
    state.user = w.as("admin");
    expect(await members.removeMemberAction({ workspaceId: w.ws.id, userId: other.id })).toMatchObject({ ok: false, error: "Only the workspace owner can remove an admin." });
  });

  it("a seat cannot go to a non-member or to a member who already holds one", async () => {
    const w = await world();
    state.user = w.as("owner");
    const before = await writableRowCounts(h.db);
    expect(await members.transferSeatAction({ seatId: w.memberSeat.id, toUserId: w.outsider.id })).toMatchObject({ ok: false, error: "A seat can only be given to a member of this workspace." });
    expect(await members.transferSeatAction({ seatId: w.memberSeat.id, toUserId: w.owner.id })).toMatchObject({ ok: false, error: "That member already holds a paid seat in this workspace." });
    expect(await billing.addSeatAction({ workspaceId: w.ws.id, planId: "pro", holderUserId: w.member.id })).toMatchObject({ ok: false });
    expect(await writableRowCounts(h.db)).toEqual(before);
  });

  it("an owner of one workspace cannot act on another by changing the id", async () => {
    const w = await world();
    const w2 = await world();
    state.user = w.as("owner");
    const before = await writableRowCounts(h.db);
    for (const r of [
      await billing.changeSeatPlanAction({ seatId: w2.memberSeat.id, toPlanId: "elite" }),
      await billing.addSeatAction({ workspaceId: w2.ws.id, planId: "pro" }),
      await members.transferSeatAction({ seatId: w2.memberSeat.id, toUserId: w2.spare.id }),
      await members.removeMemberAction({ workspaceId: w2.ws.id, userId: w2.spare.id }),
    ]) {
      expect(r).toMatchObject({ ok: false, error: "Workspace was not found." });
    }
    expect(await writableRowCounts(h.db)).toEqual(before);
  });

  it("malformed input is refused with field errors and changes nothing", async () => {
    const w = await world();
    state.user = w.as("owner");
    const before = await writableRowCounts(h.db);
    const r = await billing.addSeatAction({ workspaceId: "not-a-uuid", planId: "free" });
    expect(r).toMatchObject({ ok: false, error: "Please correct the highlighted fields." });
    if (!r.ok) expect(Object.keys(r.fieldErrors ?? {}).sort()).toEqual(["planId", "workspaceId"]);
    const bad = await members.inviteAction({ workspaceId: w.ws.id, email: "nope" });
    expect(bad).toMatchObject({ ok: false, fieldErrors: { email: ["Enter a valid email address."] } });
    expect(await writableRowCounts(h.db)).toEqual(before);
  });
});

describe("actions on one's own things", () => {
  it("switching workspace: only to a workspace one belongs to", async () => {
    const w = await world();
    state.user = w.as("member");
    expect(await shared.switchWorkspaceAction({ workspaceId: w.ws.id })).toMatchObject({ ok: true });
    state.user = w.as("outsider");
    expect(await shared.switchWorkspaceAction({ workspaceId: w.ws.id })).toMatchObject({ ok: false, error: "You are not a member of that workspace." });
    state.user = null;
    expect(await shared.switchWorkspaceAction({ workspaceId: w.ws.id })).toMatchObject({ ok: false, error: "Your session has ended. Please sign in again." });
  });

  it("marking notices read touches only the caller's own notices", async () => {
    const w = await world();
    const { notifications } = await import("@/db/schema");
    const [notice] = await h.db
      .insert(notifications)
      .values({ userId: w.member.id, workspaceId: w.ws.id, accountId: w.memberSeat.id, kind: "message", threshold: 80, cycleStart: new Date(), body: "80%" })
      .returning();
    state.user = w.as("owner");
    expect(await shared.markNotificationsReadAction({ ids: [notice!.id] })).toMatchObject({ ok: true, data: { marked: 0 } });
    state.user = w.as("member");
    expect(await shared.markNotificationsReadAction({ ids: [notice!.id] })).toMatchObject({ ok: true, data: { marked: 1 } });
  });
});
