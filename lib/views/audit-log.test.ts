import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { changeSeatPlan } from "@/lib/billing/seats/change-plan";
import { transferSeat } from "@/lib/billing/seats/transfer-seat";
import { changeRole } from "@/lib/workspaces/members";
import { makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { getAuditLogView } from "./audit-log";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe("the audit log reads as sentences", () => {
  it("names people and plans, never ids; a scheduled change's date is given apart; an empty log says so", async () => {
    const at = new Date("2026-07-20T12:00:00.000Z");
    const ada = await makeUser(h.db, "Ada Lovelace", new Date("2026-06-01T00:00:00Z"));
    const grace = await makeUser(h.db, "Grace Hopper", new Date("2026-06-01T00:00:00Z"));
    const linus = await makeUser(h.db, "Linus Torvalds", new Date("2026-06-01T00:00:00Z"));
    const ws = await makeWorkspace(h.db, ada, { billingAnchor: new Date("2026-07-05T09:00:00.000Z"), members: [{ id: grace.id }, { id: linus.id }] });
    expect(await getAuditLogView(h.db, { workspaceId: ws.id, userId: ada.id, role: "owner" })).toEqual({ visible: true, rows: [] });
    const seat = await makeSeat(h.db, ws, "pro", linus.id);
    await transferSeat(h.db, { seatId: seat.id, toUserId: grace.id, byUserId: ada.id }, at);
    await changeRole(h.db, { workspaceId: ws.id, userId: grace.id, role: "admin", byUserId: ada.id }, at);
    await changeSeatPlan(h.db, { seatId: seat.id, toPlanId: "starter", byUserId: ada.id }, at);
    const view = await getAuditLogView(h.db, { workspaceId: ws.id, userId: ada.id, role: "owner" });
    if (!view.visible) throw new Error("owners see the log");
    const lines = view.rows.map((r) => `${r.who}: ${r.what}${r.effectiveAt ? ` @ ${r.effectiveAt}` : ""}`);
    expect(lines).toEqual([
      "Ada Lovelace: Scheduled Grace Hopper's Pro seat to move down to Starter @ 2026-08-05T09:00:00.000Z",
      "Ada Lovelace: Made Grace Hopper an admin (was a member)",
      "Ada Lovelace: Moved the Pro seat from Linus Torvalds to Grace Hopper",
    ]);
    for (const l of lines) expect(l).not.toMatch(UUID);
    expect(await getAuditLogView(h.db, { workspaceId: ws.id, userId: linus.id, role: "member" })).toEqual({ visible: false });
  });
});
