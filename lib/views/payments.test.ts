import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { planChanges } from "@/db/schema";
import { addSeat } from "@/lib/billing/seats/add-seat";
import { changeSeatPlan } from "@/lib/billing/seats/change-plan";
import { buyTopUp } from "@/lib/billing/top-ups/buy-top-up";
import { team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { getReceipt, listPayments } from "./payments";

// Billing's payment history: every charge the provider took and every refund, each charge with a receipt.

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const at = (day: number) => new Date(Date.UTC(2026, 6, day, 12));

describe("payment history", () => {
  it("lists each paid decision once, newest first, with what, for whom, amount, status and reference; a refund is its own line", async () => {
    const t = await team(h.db);
    await addSeat(h.db, { workspaceId: t.ws.id, planId: "builder", holderUserId: t.linus.id, byUserId: t.ada.id }, at(10));
    await changeSeatPlan(h.db, { seatId: t.seat.id, toPlanId: "pro", byUserId: t.ada.id }, at(11));
    await buyTopUp(h.db, { seatId: t.seat.id, kind: "integration", packs: 2, byUserId: t.ada.id }, at(12));
    // A decision paid, then voided and refunded (it could no longer apply).
    await h.db.insert(planChanges).values({ workspaceId: t.ws.id, accountId: t.seat.id, kind: "top_up", topUpKind: "message", packs: 1, amountCents: 1500, status: "voided", effectiveAt: at(13), requestedBy: t.ada.id, providerRef: "test_ch_x", refundRef: "test_re_x", createdAt: at(13), settledAt: at(13), updatedAt: at(14) });
    const payments = await listPayments(h.db, { workspaceId: t.ws.id, userId: t.ada.id });
    expect(payments.map((p) => [p.type, p.what, p.seat, p.amountCents, p.status])).toEqual([
      ["refund", "Refund: 1 message top-up pack", "Ada", -1500, "refunded"],
      ["charge", "1 message top-up pack", "Ada", 1500, "refunded"],
      ["charge", "2 integration top-up packs", "Ada", 2000, "paid"],
      ["charge", "Upgrade to Pro", "Ada", 8000, "paid"],
      ["charge", "New Builder seat", "Linus", 5000, "paid"],
    ]);
    expect(payments.every((p) => p.providerRef.length > 0)).toBe(true);
    const receipt = await getReceipt(h.db, { workspaceId: t.ws.id, userId: t.ada.id, id: payments[3]!.id });
    expect(receipt).toMatchObject({ buyerName: "Ada", charge: { what: "Upgrade to Pro", amountCents: 8000, status: "paid" }, refund: null });
    const refunded = await getReceipt(h.db, { workspaceId: t.ws.id, userId: t.ada.id, id: payments[0]!.id });
    expect(refunded.refund).toMatchObject({ amountCents: -1500, providerRef: "test_re_x" });
  });

  it("owners and admins only; another workspace's receipt is not found", async () => {
    const t = await team(h.db, { linusRole: "admin" });
    await buyTopUp(h.db, { seatId: t.seat.id, kind: "message", packs: 1, byUserId: t.ada.id }, at(10));
    const [p] = await listPayments(h.db, { workspaceId: t.ws.id, userId: t.linus.id });
    await expect(listPayments(h.db, { workspaceId: t.ws.id, userId: t.ken.id })).rejects.toMatchObject({ code: "forbidden" });
    const other = await team(h.db);
    await expect(getReceipt(h.db, { workspaceId: other.ws.id, userId: other.ada.id, id: p!.id })).rejects.toMatchObject({ code: "not_found" });
  });
});
