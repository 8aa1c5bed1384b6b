import { randomUUID } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, creditAccounts, paymentCharges, planChanges, seatTransfers } from "@/db/schema";
import { makeSeat, team as makeTeam } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { PaymentDeclinedError, type PaymentProvider, testModeProvider } from "@/lib/billing/payments/provider";
import { addSeat } from "@/lib/billing/seats/add-seat";
import { changeSeatPlan } from "@/lib/billing/seats/change-plan";
import { removeSeat, undoScheduledChange } from "@/lib/billing/seats/end-seats";
import { transferSeat } from "@/lib/billing/seats/transfer-seat";

// One decision, one charge; at most one scheduled change per seat; seats change hands by
// compare-and-set; due changes first. Each scenario here was reproduced against a production
// build before these rules were enforced (see issue "Money outside the debit path").

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const anchor = new Date("2026-07-05T09:00:00.000Z");
const mid = new Date("2026-07-20T12:00:00.000Z");

const team = () => makeTeam(h.db, { anchor, adaSeat: null, linusSeat: "starter" });

const chargesOf = async (workspaceId: string) =>
  (await h.db.select({ n: count() }).from(paymentCharges).where(eq(paymentCharges.workspaceId, workspaceId)))[0]!.n;
const changesOf = async (accountId: string, status: string) =>
  (await h.db.select({ n: count() }).from(planChanges).where(and(eq(planChanges.accountId, accountId), eq(planChanges.status, status as "scheduled"))))[0]!.n;
const auditCount = async (workspaceId: string, action: string) =>
  (await h.db.select({ n: count() }).from(auditLog).where(and(eq(auditLog.workspaceId, workspaceId), eq(auditLog.action, action))))[0]!.n;

describe("one decision, one charge", () => {
  it("an upgrade sent 6 times at once (6 tabs, 6 keys) is charged and applied once; the rest are refused", async () => {
    const t = await team();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "pro", byUserId: t.ada.id, decisionKey: randomUUID() }, mid)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: expect.stringMatching(/^(conflict|invalid)$/) });
    expect(await chargesOf(t.ws.id)).toBe(1);
    expect(await changesOf(t.linusSeat.id, "applied")).toBe(1);
    expect(await auditCount(t.ws.id, "plan.upgraded")).toBe(1);
    const [seat] = await h.db.select().from(creditAccounts).where(eq(creditAccounts.id, t.linusSeat.id));
    expect(seat!.planId).toBe("pro");
  });

  it("the same decision (one key) sent 6 times at once answers the same, charged and applied once", async () => {
    const t = await team();
    const decisionKey = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "elite", byUserId: t.ada.id, decisionKey }, mid)),
    );
    expect(new Set(results.map((r) => r.change.id)).size).toBe(1);
    expect(results.every((r) => r.effect === "now")).toBe(true);
    expect(await chargesOf(t.ws.id)).toBe(1);
    expect(await auditCount(t.ws.id, "plan.upgraded")).toBe(1);
    const [charge] = await h.db.select().from(paymentCharges).where(eq(paymentCharges.workspaceId, t.ws.id));
    expect(charge!.amountCents).toBe(20_000 - 2_000);
  });

  it("a seat added twice with one decision key is one seat and one charge", async () => {
    const t = await team();
    const decisionKey = randomUUID();
    const [a, b] = await Promise.all([
      addSeat(h.db, { workspaceId: t.ws.id, planId: "builder", holderUserId: t.ken.id, byUserId: t.ada.id, decisionKey }, mid),
      addSeat(h.db, { workspaceId: t.ws.id, planId: "builder", holderUserId: t.ken.id, byUserId: t.ada.id, decisionKey }, mid),
    ]);
    expect(a.id).toBe(b.id);
    expect(await chargesOf(t.ws.id)).toBe(1);
    expect(await auditCount(t.ws.id, "seat.added")).toBe(1);
  });

  it("a seat for a member who already holds one is refused before anything is charged", async () => {
    const t = await team();
    await expect(addSeat(h.db, { workspaceId: t.ws.id, planId: "pro", holderUserId: t.linus.id, byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "conflict" });
    expect(await chargesOf(t.ws.id)).toBe(0);
    const seats = await h.db.select().from(creditAccounts).where(and(eq(creditAccounts.workspaceId, t.ws.id), eq(creditAccounts.type, "seat")));
    expect(seats).toHaveLength(1);
  });

  it("a declined payment applies nothing and says so", async () => {
    const t = await team();
    const declining: PaymentProvider = { ...testModeProvider, name: "declines", charge: async () => Promise.reject(new PaymentDeclinedError("The card was declined.")) };
    await expect(changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "pro", byUserId: t.ada.id }, mid, declining)).rejects.toMatchObject({
      code: "conflict",
      message: "The card was declined. Nothing was changed.",
    });
    const [seat] = await h.db.select().from(creditAccounts).where(eq(creditAccounts.id, t.linusSeat.id));
    expect(seat!.planId).toBe("starter");
    expect(await changesOf(t.linusSeat.id, "failed")).toBe(1);
    expect(await changesOf(t.linusSeat.id, "paying")).toBe(0);
    // The seat is free for the next decision.
    await expect(changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "pro", byUserId: t.ada.id }, mid)).resolves.toMatchObject({ effect: "now" });
  });
});

describe("at most one scheduled change per seat", () => {
  it("removal, removal and downgrade at once leave exactly one scheduled change; undoing it leaves none", async () => {
    const t = await team();
    await changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "pro", byUserId: t.ada.id }, mid);
    await Promise.allSettled([
      removeSeat(h.db, { seatId: t.linusSeat.id, byUserId: t.ada.id }, mid),
      removeSeat(h.db, { seatId: t.linusSeat.id, byUserId: t.ada.id }, mid),
      changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "starter", byUserId: t.ada.id }, mid),
    ]);
    expect(await changesOf(t.linusSeat.id, "scheduled")).toBe(1);
    const [pending] = await h.db.select().from(planChanges).where(and(eq(planChanges.accountId, t.linusSeat.id), eq(planChanges.status, "scheduled")));
    await undoScheduledChange(h.db, { changeId: pending!.id, byUserId: t.ada.id }, mid);
    expect(await changesOf(t.linusSeat.id, "scheduled")).toBe(0);
    const [seat] = await h.db.select().from(creditAccounts).where(eq(creditAccounts.id, t.linusSeat.id));
    expect(seat!.pendingChangeAt).toBeNull();
  });

  it("the database refuses a second scheduled change for a seat, whatever the code does", async () => {
    const t = await team();
    const row = { workspaceId: t.ws.id, accountId: t.linusSeat.id, kind: "remove_seat" as const, status: "scheduled" as const, effectiveAt: mid, requestedBy: t.ada.id };
    await h.db.insert(planChanges).values(row);
    await expect(h.db.insert(planChanges).values(row)).rejects.toThrow();
  });
});

describe("a due change is applied before any plan action", () => {
  it("an upgrade after a removal came due (but before anything applied it) is refused and not charged", async () => {
    const t = await team();
    await removeSeat(h.db, { seatId: t.linusSeat.id, byUserId: t.ada.id }, mid);
    const afterCycle = new Date("2026-08-05T10:00:00.000Z");
    await expect(changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "pro", byUserId: t.ada.id }, afterCycle)).rejects.toMatchObject({ code: "not_found" });
    expect(await chargesOf(t.ws.id)).toBe(0);
    const [seat] = await h.db.select().from(creditAccounts).where(eq(creditAccounts.id, t.linusSeat.id));
    expect(seat!.status).toBe("removed");
  });
});

describe("seats change hands by compare-and-set", () => {
  it("one unassigned seat given to two members at once: one wins, the other is told, one transfer recorded", async () => {
    const t = await team();
    const seat = await makeSeat(h.db, t.ws, "pro", null);
    const results = await Promise.allSettled([
      transferSeat(h.db, { seatId: seat.id, toUserId: t.ken.id, byUserId: t.ada.id }, mid),
      transferSeat(h.db, { seatId: seat.id, toUserId: t.grace.id, byUserId: t.ada.id }, mid),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({
      code: "conflict",
      message: "This seat changed while you were looking at it. Reload and try again.",
    });
    const transfers = await h.db.select().from(seatTransfers).where(eq(seatTransfers.accountId, seat.id));
    const [after] = await h.db.select().from(creditAccounts).where(eq(creditAccounts.id, seat.id));
    expect(transfers).toHaveLength(1);
    expect(after!.holderUserId).toBe(transfers[0]!.toUserId);
  });

  it("a transfer from a holder the page showed, who no longer holds it, is refused", async () => {
    const t = await team();
    await transferSeat(h.db, { seatId: t.linusSeat.id, toUserId: t.ken.id, byUserId: t.ada.id }, mid);
    await expect(transferSeat(h.db, { seatId: t.linusSeat.id, toUserId: t.grace.id, byUserId: t.ada.id, fromUserId: t.linus.id }, mid)).rejects.toMatchObject({ code: "conflict" });
    const [after] = await h.db.select().from(creditAccounts).where(eq(creditAccounts.id, t.linusSeat.id));
    expect(after!.holderUserId).toBe(t.ken.id);
  });
});
