import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, creditAccounts, notifications, paymentCharges, planChanges, topUpLots, workspaces } from "@/db/schema";
import { makeApp, makeUser, makeWorkspace, team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { credits } from "@/lib/credits/amounts";
import { getMemberBalance } from "@/lib/credits/balance";
import { findLotMismatches, findUsageMismatches } from "@/lib/credits/check";
import { debitCredits, reserveCredits } from "@/lib/credits/debit";
import { effectiveLimit, memberAllocations } from "@/lib/credits/member-limits";
import { findPool, settleModelSwitch } from "@/lib/credits/model-switch";
import { scheduleModelSwitch, undoModelSwitch } from "@/lib/billing/pools/switch-model";
import { setMemberLimits } from "@/lib/billing/pools/member-limits";
import { startPool } from "@/lib/billing/pools/start-pool";
import { confirmReservation, releaseReservation } from "@/lib/credits/reservations";
import { testModeProvider, testModeProviderWith } from "@/lib/billing/payments/provider";
import { addSeat } from "@/lib/billing/seats/add-seat";
import { changeSeatPlan } from "@/lib/billing/seats/change-plan";
import { removeSeat } from "@/lib/billing/seats/end-seats";
import { grantTopUp } from "@/lib/billing/top-ups/settings";
import { buyTopUp, recordTopUpPurchase, topUpApplier } from "@/lib/billing/top-ups/buy-top-up";
import { driveDecision } from "@/lib/billing/decisions/state-machine";

// The shared-pool model: one plan and one pool per workspace, every member's messages and every
// app's integrations charged to it; member limits on messages; switching model at the billing date.

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const anchor = new Date("2026-07-05T09:00:00.000Z");
const mid = new Date("2026-07-20T12:00:00.000Z");

/** A workspace of four (Ada owns it; Linus admin; Ken and Grace members) on a Pro pool, no seats. */
async function poolTeam(plan = "pro") {
  const joined = new Date("2026-06-01T00:00:00Z");
  const [ada, linus, ken, grace] = await Promise.all(["Ada", "Linus", "Ken", "Grace"].map((n) => makeUser(h.db, n, joined)));
  const ws = await makeWorkspace(h.db, ada!, { billingAnchor: anchor, members: [{ id: linus!.id, role: "admin" }, { id: ken!.id }, { id: grace!.id }] });
  const app = await makeApp(h.db, ws, ken!, "Kiosk");
  const { poolId } = await startPool(h.db, { workspaceId: ws.id, planId: plan, byUserId: ada!.id }, mid);
  return { ada: ada!, linus: linus!, ken: ken!, grace: grace!, ws, app, poolId };
}

const message = (ws: { id: string }, userId: string, action: "message.discuss" | "message.implement" = "message.implement", at = mid, key = randomUUID()) =>
  debitCredits(h.db, { key, action, workspaceId: ws.id, actorUserId: userId }, at);
const integration = (ws: { id: string }, app: { id: string }, quantity = 1, at = mid) =>
  debitCredits(h.db, { key: randomUUID(), action: "integration.llm", quantity, workspaceId: ws.id, actorUserId: null, appId: app.id }, at);

async function consistent() {
  expect(await findUsageMismatches(h.db)).toEqual([]);
  expect(await findLotMismatches(h.db)).toEqual([]);
}

describe("effectiveLimit (pure)", () => {
  it("the owner is never limited; an override wins over the default; a limit never passes the pool", () => {
    expect(effectiveLimit({ isOwner: true, defaultLimit: 5, limitSet: true, ownLimit: 1 }, 100)).toEqual({ limit: null, source: "none" });
    expect(effectiveLimit({ isOwner: false, defaultLimit: 50, limitSet: false, ownLimit: null }, 100)).toEqual({ limit: 50, source: "default" });
    expect(effectiveLimit({ isOwner: false, defaultLimit: 50, limitSet: true, ownLimit: 70 }, 100)).toEqual({ limit: 70, source: "member" });
    expect(effectiveLimit({ isOwner: false, defaultLimit: 50, limitSet: true, ownLimit: null }, 100)).toEqual({ limit: null, source: "member" });
    expect(effectiveLimit({ isOwner: false, defaultLimit: null, limitSet: false, ownLimit: null }, 100)).toEqual({ limit: null, source: "none" });
    expect(effectiveLimit({ isOwner: false, defaultLimit: 500, limitSet: false, ownLimit: null }, 100)).toEqual({ limit: 100, source: "default" });
  });
});

describe("a shared pool", () => {
  it("pays every member's messages and every app's integrations; members need no seat and keep their free allowance", async () => {
    const t = await poolTeam();
    expect(await message(t.ws, t.ken.id)).toMatchObject({ outcome: "charged", event: { payerAccountId: t.poolId } });
    expect(await message(t.ws, t.ada.id, "message.discuss")).toMatchObject({ outcome: "charged", event: { payerAccountId: t.poolId } });
    expect(await integration(t.ws, t.app, 3)).toMatchObject({ outcome: "charged", event: { payerAccountId: t.poolId } });
    const b = await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.grace.id }, mid);
    expect(b.account).toMatchObject({ id: t.poolId, type: "pool" });
    expect(b.message).toMatchObject({ allowance: credits(500), used: 1300 });
    expect(b.integration).toMatchObject({ allowance: credits(20000), used: credits(3) });
    // Ken's own free allowance was not touched: it is his in a workspace without a pool.
    const elsewhere = await makeWorkspace(h.db, t.ken, { billingAnchor: null });
    const free = await getMemberBalance(h.db, { workspaceId: elsewhere.id, userId: t.ken.id }, mid);
    expect(free.account.type).toBe("free");
    expect(free.message.used).toBe(0);
    await consistent();
  });

  it("a workspace with paid seats cannot start a pool at once (it schedules the switch)", async () => {
    const t = await team(h.db);
    await expect(startPool(h.db, { workspaceId: t.ws.id, planId: "pro", byUserId: t.ada.id }, mid)).rejects.toThrow(/schedule the switch/);
    await expect(startPool(h.db, { workspaceId: t.ws.id, planId: "pro", byUserId: t.linus.id }, mid)).rejects.toThrow();
  });

  it("refuses past the pool, with nothing charged", async () => {
    const t = await poolTeam("starter");
    for (let i = 0; i < 100; i++) expect((await message(t.ws, i % 2 ? t.ken.id : t.grace.id)).outcome).toBe("charged");
    expect(await message(t.ws, t.ken.id)).toMatchObject({ outcome: "refused", refusal: "insufficient_credits" });
    // Owner and admin were told at 80% and 100% of the pool, once each.
    const told = await h.db.select().from(notifications).where(eq(notifications.accountId, t.poolId));
    expect(told.map((n) => n.userId).sort()).toEqual([t.ada.id, t.ada.id, t.linus.id, t.linus.id].sort());
    await consistent();
  });

  it("top-ups of the pool are spent after its allowance", async () => {
    const t = await poolTeam("starter");
    await grantTopUp(h.db, { seatId: t.poolId, kind: "message", credits: credits(2), reason: "test" }, mid);
    for (let i = 0; i < 100; i++) await message(t.ws, t.ken.id);
    expect(await message(t.ws, t.grace.id)).toMatchObject({ outcome: "charged", balance: { remaining: 0, topUp: credits(1) } });
    expect(await message(t.ws, t.grace.id)).toMatchObject({ outcome: "charged", balance: { topUp: 0 } });
    expect(await message(t.ws, t.grace.id)).toMatchObject({ outcome: "refused" });
    await consistent();
  });
});

describe("the pool's money", () => {
  it("opening a pool is a paid decision: charged once with its key, applied once; a declined card opens nothing", async () => {
    const joined = new Date("2026-06-01T00:00:00Z");
    const ada = await makeUser(h.db, "Ada", joined);
    const ws = await makeWorkspace(h.db, ada, { billingAnchor: null });
    const declining = testModeProviderWith({ declinePercent: 100 });
    await expect(startPool(h.db, { workspaceId: ws.id, planId: "builder", byUserId: ada.id }, mid, declining)).rejects.toThrow(/declined/);
    expect(await findPool(h.db, ws.id)).toBeNull();
    const key = randomUUID();
    const [a, b] = await Promise.all([
      startPool(h.db, { workspaceId: ws.id, planId: "builder", byUserId: ada.id, decisionKey: key }, mid),
      startPool(h.db, { workspaceId: ws.id, planId: "builder", byUserId: ada.id, decisionKey: key }, mid),
    ]);
    expect(a.poolId).toBe(b.poolId);
    const charges = await h.db.select().from(paymentCharges).where(eq(paymentCharges.workspaceId, ws.id));
    expect(charges.map((c) => c.amountCents)).toEqual([5000]);
    const [w] = await h.db.select().from(workspaces).where(eq(workspaces.id, ws.id));
    expect(w).toMatchObject({ creditModel: "pool", billingAnchor: mid });
  });

  it("the credit level changes like a plan: up at once (used stays used), down at the cycle's end; the owner buys top-ups for the pool", async () => {
    const t = await poolTeam("starter");
    await message(t.ws, t.ken.id);
    await changeSeatPlan(h.db, { seatId: t.poolId, toPlanId: "builder", byUserId: t.ada.id }, mid);
    expect((await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.ken.id }, mid)).message).toMatchObject({ allowance: credits(250), used: credits(1) });
    const down = await changeSeatPlan(h.db, { seatId: t.poolId, toPlanId: "starter", byUserId: t.ada.id }, mid);
    expect(down).toMatchObject({ effect: "scheduled", effectiveAt: new Date("2026-08-05T09:00:00.000Z") });
    await expect(removeSeat(h.db, { seatId: t.poolId, byUserId: t.ada.id }, mid)).rejects.toThrow(/switching the workspace to seats/);
    // A seat in a pool would be paid for and never used: refused, nothing charged.
    await expect(addSeat(h.db, { workspaceId: t.ws.id, planId: "starter", holderUserId: t.ken.id, byUserId: t.ada.id }, mid)).rejects.toThrow(/members need no seat/);
    const lot = await buyTopUp(h.db, { seatId: t.poolId, kind: "message", packs: 1, byUserId: t.ada.id }, mid);
    expect(lot).toMatchObject({ accountId: t.poolId, credits: credits(50) });
    const next = new Date("2026-08-06T09:00:00.000Z");
    expect((await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.grace.id }, next)).message).toMatchObject({ allowance: credits(100), used: 0, topUp: credits(50) });
    await consistent();
  });
});

describe("member limits", () => {
  it("a message is charged only if it fits both the pool and the prompter's limit; the refusal says which", async () => {
    const t = await poolTeam();
    await setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, defaultLimit: credits(2) }, mid);
    await setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.linus.id, member: { userId: t.grace.id, limit: credits(3) } }, mid);
    expect((await message(t.ws, t.ken.id)).outcome).toBe("charged");
    expect((await message(t.ws, t.ken.id)).outcome).toBe("charged");
    const refused = await message(t.ws, t.ken.id);
    expect(refused).toMatchObject({ outcome: "refused", refusal: "member_limit", balance: { allowance: credits(2), used: credits(2), available: 0 } });
    // The pool still had credits; Grace's own limit is 3; the owner has none.
    for (let i = 0; i < 3; i++) expect((await message(t.ws, t.grace.id)).outcome).toBe("charged");
    expect(await message(t.ws, t.grace.id)).toMatchObject({ outcome: "refused", refusal: "member_limit" });
    for (let i = 0; i < 5; i++) expect((await message(t.ws, t.ada.id)).outcome).toBe("charged");
    // Ken was told at 80% (1.6 of 2 reached at 2) and 100%.
    const kenNotes = await h.db.select().from(notifications).where(and(eq(notifications.userId, t.ken.id), eq(notifications.workspaceId, t.ws.id)));
    expect(kenNotes.map((n) => n.body)).toEqual(expect.arrayContaining([expect.stringMatching(/80% of your limit/), expect.stringMatching(/whole limit/)]));
    // Raising the limit lets Ken go on at once.
    await setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, member: { userId: t.ken.id, limit: credits(3) } }, mid);
    expect((await message(t.ws, t.ken.id)).outcome).toBe("charged");
    const alloc = await memberAllocations(h.db, t.ws.id, credits(500), new Date("2026-07-05T09:00:00.000Z"));
    expect(alloc.get(t.ken.id)).toMatchObject({ limit: credits(3), source: "member", used: credits(3), remaining: 0 });
    expect(alloc.get(t.linus.id)).toMatchObject({ limit: credits(2), source: "default", used: 0 });
    expect(alloc.get(t.ada.id)).toMatchObject({ limit: null, source: "none", used: credits(5) });
    await consistent();
  });

  it("integrations are not limited per member (only messages are)", async () => {
    const t = await poolTeam();
    await setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, defaultLimit: 0 }, mid);
    expect((await integration(t.ws, t.app, 50)).outcome).toBe("charged");
    expect(await message(t.ws, t.ken.id, "message.discuss")).toMatchObject({ outcome: "refused", refusal: "member_limit" });
  });

  it("limits are checked when set: never past the pool, never on the owner, owners and admins only; the same limit again changes nothing", async () => {
    const t = await poolTeam("starter");
    await expect(setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, defaultLimit: credits(101) }, mid)).rejects.toThrow(/can't be more than the pool's 100/);
    await expect(setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, member: { userId: t.ada.id, limit: credits(1) } }, mid)).rejects.toThrow(/owner is never limited/);
    await expect(setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ken.id, defaultLimit: credits(1) }, mid)).rejects.toThrow();
    await expect(setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, defaultLimit: -1 }, mid)).rejects.toThrow();
    expect(await setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, defaultLimit: credits(10) }, mid)).toEqual({ changed: true });
    expect(await setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, defaultLimit: credits(10) }, mid)).toEqual({ changed: false });
    const lines = await h.db.select().from(auditLog).where(and(eq(auditLog.workspaceId, t.ws.id), eq(auditLog.action, "limit.default_changed")));
    expect(lines).toHaveLength(1);
    const seats = await team(h.db);
    await expect(setMemberLimits(h.db, { workspaceId: seats.ws.id, byUserId: seats.ada.id, defaultLimit: credits(1) }, mid)).rejects.toThrow(/on seats/);
  });

  it("a held message counts against the limit until released; a release gives it back, a confirm keeps it", async () => {
    const t = await poolTeam();
    await setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, defaultLimit: credits(1) }, mid);
    const held = await reserveCredits(h.db, { key: randomUUID(), action: "message.implement", workspaceId: t.ws.id, actorUserId: t.ken.id }, mid);
    expect(held.outcome).toBe("reserved");
    expect(await message(t.ws, t.ken.id, "message.discuss")).toMatchObject({ outcome: "refused", refusal: "member_limit" });
    await releaseReservation(h.db, held.event.reservationId!, mid);
    const again = await reserveCredits(h.db, { key: randomUUID(), action: "message.implement", workspaceId: t.ws.id, actorUserId: t.ken.id }, mid);
    await confirmReservation(h.db, again.event.reservationId!, mid);
    expect(await message(t.ws, t.ken.id, "message.discuss")).toMatchObject({ outcome: "refused", refusal: "member_limit" });
    await consistent();
  });

  it("under concurrency: 40 messages at once from one limited member charge exactly what fits", async () => {
    const t = await poolTeam();
    await setMemberLimits(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id, member: { userId: t.grace.id, limit: credits(7) } }, mid);
    const results = await Promise.all(Array.from({ length: 40 }, () => message(t.ws, t.grace.id)));
    expect(results.filter((r) => r.outcome === "charged")).toHaveLength(7);
    expect(results.filter((r) => r.outcome === "refused" && r.refusal === "member_limit")).toHaveLength(33);
    await consistent();
  });
});

describe("switching credit model", () => {
  it("seats → pool: scheduled for the billing date, undoable; at that instant the seats end and their top-ups move to the pool, nothing minted or lost", async () => {
    const t = await team(h.db, { linusSeat: "builder" });
    await grantTopUp(h.db, { seatId: t.seat.id, kind: "message", credits: credits(50), reason: "test" }, mid);
    await grantTopUp(h.db, { seatId: t.linusSeat.id, kind: "integration", credits: credits(1000), reason: "test" }, mid);
    expect((await message(t.ws, t.ada.id)).outcome).toBe("charged");
    const { effectiveAt } = await scheduleModelSwitch(h.db, { workspaceId: t.ws.id, to: "pool", planId: "pro", byUserId: t.ada.id }, mid);
    expect(effectiveAt).toEqual(new Date("2026-08-05T09:00:00.000Z"));
    await undoModelSwitch(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id }, mid);
    expect((await h.db.select().from(workspaces).where(eq(workspaces.id, t.ws.id)))[0]!.pendingModel).toBeNull();
    await scheduleModelSwitch(h.db, { workspaceId: t.ws.id, to: "pool", planId: "pro", byUserId: t.ada.id }, mid);
    // Before the instant nothing changes: Ada's seat still pays.
    expect(await message(t.ws, t.ada.id)).toMatchObject({ outcome: "charged", event: { payerAccountId: t.seat.id } });
    expect(await settleModelSwitch(h.db, t.ws.id, mid)).toBe(false);
    // The first charge after the instant applies the switch, and the pool pays it.
    const after = new Date("2026-08-05T10:00:00.000Z");
    const charged = await message(t.ws, t.ken.id, "message.implement", after);
    const pool = await findPool(h.db, t.ws.id);
    expect(pool).toMatchObject({ type: "pool", planId: "pro", status: "active" });
    expect(charged).toMatchObject({ outcome: "charged", event: { payerAccountId: pool!.id } });
    const seats = await h.db.select().from(creditAccounts).where(and(eq(creditAccounts.workspaceId, t.ws.id), eq(creditAccounts.type, "seat")));
    expect(seats.map((s) => s.status)).toEqual(["removed", "removed"]);
    const lots = await h.db.select().from(topUpLots).where(eq(topUpLots.workspaceId, t.ws.id));
    expect(lots.map((l) => [l.accountId, l.pausedAt])).toEqual([
      [pool!.id, null],
      [pool!.id, null],
    ]);
    expect(await settleModelSwitch(h.db, t.ws.id, after)).toBe(false);
    const audit = await h.db.select().from(auditLog).where(and(eq(auditLog.workspaceId, t.ws.id), eq(auditLog.action, "model.switched_to_pool")));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ ended: 2, topUps: 2 });
    await consistent();
  });

  it("pool → seats: the pool ends at the billing date and its top-ups pause until the owner moves them", async () => {
    const t = await poolTeam();
    await grantTopUp(h.db, { seatId: t.poolId, kind: "message", credits: credits(50), reason: "test" }, mid);
    await message(t.ws, t.ken.id);
    await scheduleModelSwitch(h.db, { workspaceId: t.ws.id, to: "seats", byUserId: t.ada.id }, mid);
    const after = new Date("2026-08-05T09:00:00.000Z");
    const r = await message(t.ws, t.ken.id, "message.discuss", after);
    expect(r.event.payerAccountId).not.toBe(t.poolId);
    expect(await findPool(h.db, t.ws.id)).toBeNull();
    const [lot] = await h.db.select().from(topUpLots).where(eq(topUpLots.accountId, t.poolId));
    expect(lot!.pausedAt).toEqual(after);
    await consistent();
  });

  it("no way around paying or into a broken state: no scheduled switch without seats, no second pool while a switch is pending, nothing bought for a seat once the switch is due", async () => {
    const lone = await makeUser(h.db, "Lone", new Date("2026-06-01T00:00:00Z"));
    const empty = await makeWorkspace(h.db, lone, { billingAnchor: null });
    await expect(scheduleModelSwitch(h.db, { workspaceId: empty.id, to: "pool", planId: "pro", byUserId: lone.id }, mid)).rejects.toThrow(/open the shared pool now/);

    const t = await team(h.db);
    await grantTopUp(h.db, { seatId: t.seat.id, kind: "message", credits: credits(1), reason: "test" }, mid);
    await scheduleModelSwitch(h.db, { workspaceId: t.ws.id, to: "pool", planId: "pro", byUserId: t.ada.id }, mid);
    // A purchase recorded before the instant and driven after it cannot apply: voided, never charged.
    const purchase = await recordTopUpPurchase(h.db, { seatId: t.seat.id, kind: "integration", packs: 1, byUserId: t.ada.id }, mid);
    const after = new Date("2026-08-05T09:30:00.000Z");
    const driven = await driveDecision(h.db, purchase.id, { provider: testModeProvider, applier: topUpApplier, now: () => after });
    expect(driven).toMatchObject({ status: "voided", refundRef: "none" });
    expect(await h.db.select().from(paymentCharges).where(eq(paymentCharges.key, `plan_change:${purchase.id}`))).toEqual([]);
    // One paid before the instant but applied after it: voided, and its charge refunded.
    const paid = await recordTopUpPurchase(h.db, { seatId: t.seat.id, kind: "integration", packs: 1, byUserId: t.ada.id }, mid);
    await testModeProvider.charge(h.db, { key: `plan_change:${paid.id}`, workspaceId: t.ws.id, amountCents: paid.amountCents!, description: "1 integration top-up pack" });
    await h.db.update(planChanges).set({ status: "paid", providerRef: "test-paid" }).where(eq(planChanges.id, paid.id));
    const refunded = await driveDecision(h.db, paid.id, { provider: testModeProvider, applier: topUpApplier, now: () => after });
    expect(refunded.status).toBe("voided");
    expect(refunded.refundRef).not.toBe("none");
    expect((await h.db.select().from(paymentCharges).where(eq(paymentCharges.key, `plan_change:${paid.id}`)))[0]!.refundedAt).not.toBeNull();
    // And a new one is refused outright while the switch is due.
    await expect(buyTopUp(h.db, { seatId: t.seat.id, kind: "message", packs: 1, byUserId: t.ada.id }, after)).rejects.toThrow(/switching its credit model/);
    // Ada spends her whole lot first (to the last credit), then the switch: the lot moves all the same.
    for (let i = 0; i < 101; i++) await message(t.ws, t.ada.id, "message.implement", new Date("2026-07-21T12:00:00.000Z"));
    // An editor integration (no cached payer) after the instant applies the switch and is paid by the pool.
    const r = await integration(t.ws, t.app, 1, after);
    const pool = await findPool(h.db, t.ws.id);
    expect(r.event.payerAccountId).toBe(pool!.id);
    const lots = await h.db.select().from(topUpLots).where(eq(topUpLots.workspaceId, t.ws.id));
    expect(lots.filter((l) => l.source === "grant").map((l) => [l.accountId, l.used])).toEqual([[pool!.id, credits(1)]]);
    await consistent();

    // A workspace whose seats all ended while a switch to the pool was pending: opening a pool now is refused.
    const u = await team(h.db);
    await scheduleModelSwitch(h.db, { workspaceId: u.ws.id, to: "pool", planId: "pro", byUserId: u.ada.id }, mid);
    await h.db.update(creditAccounts).set({ status: "removed" }).where(eq(creditAccounts.workspaceId, u.ws.id));
    await expect(startPool(h.db, { workspaceId: u.ws.id, planId: "pro", byUserId: u.ada.id }, mid)).rejects.toThrow(/switch of credit model is pending/);
  });

  it("an app's integrations follow the switch even when the payer was known a moment before", async () => {
    const t = await team(h.db);
    const { switchAt, account } = (await import("@/lib/credits/accounts").then((m) => m.findAppPayer(h.db, { appId: t.app.id })))!;
    expect(switchAt).toBeNull();
    const { effectiveAt } = await scheduleModelSwitch(h.db, { workspaceId: t.ws.id, to: "pool", planId: "builder", byUserId: t.ada.id }, mid);
    const at = new Date(effectiveAt.getTime() + 1000);
    const r = await debitCredits(h.db, { key: randomUUID(), action: "integration.llm", workspaceId: t.ws.id, actorUserId: null, appId: t.app.id, payer: account, appCap: null, switchAt: effectiveAt }, at);
    const pool = await findPool(h.db, t.ws.id);
    expect(r).toMatchObject({ outcome: "charged", event: { payerAccountId: pool!.id } });
    await consistent();
  });
});
