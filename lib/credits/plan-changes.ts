import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, creditAccounts, planChanges, plans, workspaces } from "@/db/schema";
import { publishChange } from "@/lib/events";
import { conflict, invalid, notFound } from "@/lib/errors";
import { writeAudit, type AuditAction } from "@/lib/workspaces/audit";
import { isMember, requireRole } from "@/lib/workspaces/roles";
import { cycleOf } from "./accounts";
import { activeSeatWorkspace, claim, findDecision, lockSeat, pay, recordDecision, settled, type Seat } from "./decisions";
import { testModeProvider, type PaymentProvider } from "./payments";
import { refreshPendingChangeAt, type PlanChange } from "./scheduled-changes";
import { ensureUsageRow } from "./usage";

export type { PlanChange };
type Plan = typeof plans.$inferSelect;

/**
 * Owners' plan decisions. "One decision, one charge": a decision that costs money is recorded
 * first (the seat locked, its state re-checked, due changes applied), then the provider is
 * charged with the decision's key, then it is applied — once, whoever else is retrying it.
 * A decision that cannot apply is refused before anything is charged.
 */

async function paidPlan(db: Db, planId: string): Promise<Plan> {
  const [plan] = await db.select().from(plans).where(eq(plans.id, planId));
  if (!plan || !plan.active) throw invalid(`There is no plan called "${planId}".`);
  if (plan.cadence !== "monthly") throw invalid("A paid seat needs a paid plan (Starter, Builder, Pro or Elite).");
  return plan;
}

/**
 * Adds a paid seat, at once. The workspace's first paid seat sets its billing date to now;
 * later seats share it. The holder, if given, must be a member without a seat; if they got
 * one while the payment went through, the paid seat is added unassigned.
 */
export async function addSeat(
  db: Db,
  args: { workspaceId: string; planId: string; holderUserId?: string | null; byUserId: string; decisionKey?: string },
  now: Date,
  provider: PaymentProvider = testModeProvider,
) {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "add paid seats");
  const plan = await paidPlan(db, args.planId);
  const holderUserId = args.holderUserId ?? null;
  const decisionKey = args.decisionKey ?? randomUUID();
  const change = await recordDecision(db, args.workspaceId, decisionKey, async (tx) => {
    await tx.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.id, args.workspaceId)).for("update");
    const again = await findDecision(tx, args.workspaceId, decisionKey);
    if (again) return again;
    if (holderUserId) {
      if (!(await isMember(tx, { workspaceId: args.workspaceId, userId: holderUserId }))) throw invalid("A seat can only be given to a member of this workspace.");
      if (await holdsSeatOrWillHold(tx, args.workspaceId, holderUserId)) throw conflict("That member already holds a paid seat in this workspace.");
    }
    const [row] = await tx
      .insert(planChanges)
      .values({ workspaceId: args.workspaceId, kind: "add_seat", toPlanId: plan.id, holderUserId, amountCents: plan.priceCents, status: "paying", effectiveAt: now, requestedBy: args.byUserId, decisionKey, createdAt: now })
      .returning();
    return row!;
  });
  if (change.status !== "paying") return seatOf(db, settled(change));
  const ref = await pay(db, change, `${plan.name} seat`, provider, now);
  return db.transaction(async (tx) => {
    const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, change.workspaceId)).for("update");
    const claimed = await claim(tx, change, ref, now);
    if (!claimed) return seatOf(tx, (await findDecision(tx, change.workspaceId, change.decisionKey!))!);
    const anchor = ws!.billingAnchor ?? now;
    if (!ws!.billingAnchor) await tx.update(workspaces).set({ billingAnchor: anchor }).where(eq(workspaces.id, ws!.id));
    const holder = change.holderUserId && !(await holdsSeat(tx, ws!.id, change.holderUserId)) && (await isMember(tx, { workspaceId: ws!.id, userId: change.holderUserId })) ? change.holderUserId : null;
    const [seat] = await tx
      .insert(creditAccounts)
      .values({ type: "seat", workspaceId: ws!.id, planId: change.toPlanId!, holderUserId: holder, anchorAt: anchor, createdAt: now })
      .returning();
    await tx.update(planChanges).set({ accountId: seat!.id }).where(eq(planChanges.id, change.id));
    await writeAudit(tx, {
      workspaceId: ws!.id,
      actorUserId: change.requestedBy,
      action: "seat.added",
      targetType: "seat",
      targetId: seat!.id,
      details: { plan: change.toPlanId, holderUserId: holder, billingAnchor: anchor.toISOString() },
      now,
    });
    publishChange([holder]);
    return seat!;
  });
}

async function holdsSeat(db: Db, workspaceId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.workspaceId, workspaceId), eq(creditAccounts.holderUserId, userId), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")));
  return !!row;
}

/** Holds a seat, or a seat being paid for will go to them. */
async function holdsSeatOrWillHold(db: Db, workspaceId: string, userId: string): Promise<boolean> {
  if (await holdsSeat(db, workspaceId, userId)) return true;
  const [pending] = await db
    .select({ id: planChanges.id })
    .from(planChanges)
    .where(and(eq(planChanges.workspaceId, workspaceId), eq(planChanges.holderUserId, userId), eq(planChanges.status, "paying")));
  return !!pending;
}

async function seatOf(db: Db, change: PlanChange) {
  const [seat] = change.accountId ? await db.select().from(creditAccounts).where(eq(creditAccounts.id, change.accountId)) : [];
  if (!seat) throw conflict("This decision is still being processed. Reload in a moment.");
  return seat;
}

export type PlanChangeResult =
  | { effect: "now"; change: PlanChange }
  | { effect: "scheduled"; change: PlanChange; effectiveAt: Date };

/**
 * Moves a seat to another plan. Up: paid and applied at once; the current cycle's allowance
 * becomes the new plan's while what was used stays used. Down: at the end of the current cycle.
 */
export async function changeSeatPlan(
  db: Db,
  args: { seatId: string; toPlanId: string; byUserId: string; decisionKey?: string },
  now: Date,
  provider: PaymentProvider = testModeProvider,
): Promise<PlanChangeResult> {
  const workspaceId = await activeSeatWorkspace(db, args.seatId, now);
  await requireRole(db, { workspaceId, userId: args.byUserId }, ["owner"], "change plans");
  const to = await paidPlan(db, args.toPlanId);
  const decisionKey = args.decisionKey ?? randomUUID();
  const change = await recordDecision(db, workspaceId, decisionKey, async (tx) => {
    const seat = await lockSeat(tx, args.seatId, now);
    const again = await findDecision(tx, workspaceId, decisionKey);
    if (again) return again;
    const [from] = await tx.select().from(plans).where(eq(plans.id, seat.planId));
    if (to.id === seat.planId) throw invalid(`This seat is already on the ${to.name} plan.`);
    if (to.rank < from!.rank) {
      return (await scheduleLocked(tx, seat, { kind: "downgrade", fromPlanId: from!.id, toPlanId: to.id }, args.byUserId, now, "plan.downgrade_scheduled", decisionKey)).change;
    }
    // The upgrade replaces a scheduled downgrade or removal: nothing can come due before it applies.
    await unschedule(tx, seat.id, now);
    const [row] = await tx
      .insert(planChanges)
      .values({ workspaceId, accountId: seat.id, kind: "upgrade", fromPlanId: from!.id, toPlanId: to.id, amountCents: to.priceCents - from!.priceCents, status: "paying", effectiveAt: now, requestedBy: args.byUserId, decisionKey, createdAt: now })
      .returning();
    return row!;
  });
  if (change.kind === "downgrade") return { effect: "scheduled", change, effectiveAt: change.effectiveAt };
  if (change.status !== "paying") return { effect: "now", change: settled(change) };
  const ref = await pay(db, change, `Upgrade to ${to.name}`, provider, now);
  return db.transaction(async (tx) => {
    const seat = await lockSeat(tx, change.accountId!, now);
    const claimed = await claim(tx, change, ref, now);
    if (!claimed) return { effect: "now" as const, change: (await findDecision(tx, workspaceId, change.decisionKey!))! };
    await tx.update(creditAccounts).set({ planId: change.toPlanId! }).where(eq(creditAccounts.id, seat.id));
    await refreshPendingChangeAt(tx, seat.id);
    const cycle = cycleOf(seat, now);
    await ensureUsageRow(tx, seat, cycle);
    // Raise this cycle's allowance to the new plan's; used and reserved stay as they are.
    await tx
      .update(accountUsage)
      .set({ planId: to.id, messageAllowance: to.messageAllowance, integrationAllowance: to.integrationAllowance, updatedAt: now })
      .where(and(eq(accountUsage.accountId, seat.id), eq(accountUsage.cycleStart, cycle.start)));
    await writeAudit(tx, { workspaceId, actorUserId: change.requestedBy, action: "plan.upgraded", targetType: "seat", targetId: seat.id, details: { from: change.fromPlanId, to: change.toPlanId }, now });
    publishChange([seat.holderUserId]);
    return { effect: "now" as const, change: claimed };
  });
}

/** Withdraws a seat's scheduled change, if any: a new decision replaces the old one. */
async function unschedule(tx: Db, seatId: string, now: Date) {
  await tx.update(planChanges).set({ status: "undone", settledAt: now }).where(and(eq(planChanges.accountId, seatId), eq(planChanges.status, "scheduled")));
  await refreshPendingChangeAt(tx, seatId);
}

/** Schedules a change for the end of the seat's cycle, replacing any scheduled one. The seat is locked. */
async function scheduleLocked(
  tx: Db,
  seat: Seat,
  change: { kind: "downgrade" | "remove_seat" | "cancel"; fromPlanId: string; toPlanId: string | null },
  byUserId: string,
  now: Date,
  auditAction: AuditAction,
  decisionKey?: string,
): Promise<PlanChangeResult> {
  const effectiveAt = cycleOf(seat, now).end;
  await unschedule(tx, seat.id, now);
  const [row] = await tx
    .insert(planChanges)
    .values({ workspaceId: seat.workspaceId, accountId: seat.id, ...change, status: "scheduled", effectiveAt, requestedBy: byUserId, decisionKey: decisionKey ?? null, createdAt: now })
    .returning();
  await tx.update(creditAccounts).set({ pendingChangeAt: effectiveAt }).where(eq(creditAccounts.id, seat.id));
  await writeAudit(tx, {
    workspaceId: seat.workspaceId,
    actorUserId: byUserId,
    action: auditAction,
    targetType: "seat",
    targetId: seat.id,
    details: { from: change.fromPlanId, to: change.toPlanId, effectiveAt: effectiveAt.toISOString() },
    now,
  });
  return { effect: "scheduled", change: row!, effectiveAt };
}

function schedule(db: Db, seatId: string, kind: "remove_seat" | "cancel", byUserId: string, now: Date, auditAction: AuditAction) {
  return db.transaction(async (tx) => {
    const seat = await lockSeat(tx, seatId, now);
    return scheduleLocked(tx, seat, { kind, fromPlanId: seat.planId, toPlanId: null }, byUserId, now, auditAction);
  });
}

/** Schedules a seat's removal for the end of its cycle; its holder then falls back to free credits. */
export async function removeSeat(db: Db, args: { seatId: string; byUserId: string }, now: Date): Promise<PlanChangeResult> {
  const workspaceId = await activeSeatWorkspace(db, args.seatId, now);
  await requireRole(db, { workspaceId, userId: args.byUserId }, ["owner"], "remove paid seats");
  return schedule(db, args.seatId, "remove_seat", args.byUserId, now, "seat.removal_scheduled");
}

/** Cancels the paid plan: every seat is scheduled for removal at the end of the cycle. */
export async function cancelPaidPlan(db: Db, args: { workspaceId: string; byUserId: string }, now: Date): Promise<PlanChangeResult[]> {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "cancel the paid plan");
  const seats = await db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.workspaceId, args.workspaceId), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")));
  const results: PlanChangeResult[] = [];
  for (const s of seats) {
    // A seat whose removal came due meanwhile is gone: nothing left to cancel there.
    const r = await schedule(db, s.id, "cancel", args.byUserId, now, "plan.cancel_scheduled").catch((err) => (err?.code === "not_found" ? null : Promise.reject(err)));
    if (r) results.push(r);
  }
  if (results.length === 0) throw invalid("This workspace has no paid seats to cancel.");
  return results;
}

/** Takes back a scheduled downgrade, removal or cancellation before it comes due. */
export async function undoScheduledChange(db: Db, args: { changeId: string; byUserId: string }, now: Date): Promise<PlanChange> {
  const [change] = await db.select().from(planChanges).where(eq(planChanges.id, args.changeId));
  if (!change) throw notFound("Scheduled change");
  await requireRole(db, { workspaceId: change.workspaceId, userId: args.byUserId }, ["owner"], "change plans");
  const gone = () => conflict("This change is no longer pending, so it cannot be undone.");
  if (change.status !== "scheduled" || change.effectiveAt <= now || !change.accountId) throw gone();
  return db.transaction(async (tx) => {
    await lockSeat(tx, change.accountId!, now).catch(() => Promise.reject(gone()));
    const [undone] = await tx
      .update(planChanges)
      .set({ status: "undone", settledAt: now })
      .where(and(eq(planChanges.id, change.id), eq(planChanges.status, "scheduled")))
      .returning();
    if (!undone) throw gone();
    await refreshPendingChangeAt(tx, change.accountId!);
    await writeAudit(tx, {
      workspaceId: change.workspaceId,
      actorUserId: args.byUserId,
      action: "plan.change_undone",
      targetType: "seat",
      targetId: change.accountId,
      details: { kind: change.kind, from: change.fromPlanId, to: change.toPlanId },
      now,
    });
    return undone;
  });
}

/** Takes back a cancellation: every seat's pending "ends with the plan" is undone. */
export async function resumePaidPlan(db: Db, args: { workspaceId: string; byUserId: string }, now: Date): Promise<number> {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "resume the paid plan");
  const pending = await db
    .select({ id: planChanges.id })
    .from(planChanges)
    .where(and(eq(planChanges.workspaceId, args.workspaceId), eq(planChanges.kind, "cancel"), eq(planChanges.status, "scheduled")));
  if (pending.length === 0) throw conflict("The paid plan is not being cancelled.");
  for (const p of pending) await undoScheduledChange(db, { changeId: p.id, byUserId: args.byUserId }, now);
  return pending.length;
}
