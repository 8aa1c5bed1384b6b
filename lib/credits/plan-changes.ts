import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, creditAccounts, planChanges, plans, workspaces } from "@/db/schema";
import { conflict, invalid, notFound } from "@/lib/errors";
import { appLink, queueMailToUser } from "@/lib/mail";
import { enqueue, QUEUES } from "@/lib/jobs/queue";
import { writeAudit, type AuditAction } from "@/lib/workspaces/audit";
import { isMember, requireRole } from "@/lib/workspaces/roles";
import { cycleOf, getAccount } from "./accounts";
import { activeSeatWorkspace, driveForRequest, findDecision, lockSeat, recordDecision, seatProblem, switchDue, type DecisionApplier, type Seat } from "./decisions";
import type { PaymentProvider } from "./payments";
import { configuredProvider } from "./providers";
import { refreshPendingChangeAt, settleDueChanges, type PlanChange } from "./scheduled-changes";
import { lockAccounts, lockWorkspace, withRetry } from "./locks";
import { notify } from "./notices";
import { ensureUsageRow } from "./usage";

export type { PlanChange };
type Plan = typeof plans.$inferSelect;

/**
 * Owners' plan decisions. "One decision, one charge": a decision that costs money is recorded
 * with its job (the seat locked, its state re-checked, due changes applied), then driven through
 * paying → paid → applied (decisions.ts) — once, whoever else is retrying it. A decision that
 * cannot apply is refused before anything is charged, or voided and refunded if it stopped
 * applying while the payment went through.
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
  provider: PaymentProvider = configuredProvider(),
) {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "add paid seats");
  const plan = await paidPlan(db, args.planId);
  const holderUserId = args.holderUserId ?? null;
  const decisionKey = args.decisionKey ?? randomUUID();
  const change = await recordDecision(db, args.workspaceId, decisionKey, async (tx) => {
    const ws = await lockWorkspace(tx, args.workspaceId);
    const again = await findDecision(tx, args.workspaceId, decisionKey);
    if (again) return again;
    // In a shared pool nobody acts with a seat: one would be paid for and never used.
    if (ws?.creditModel === "pool") throw invalid("This workspace shares one pool: members need no seat. Raise the pool's plan instead, or switch the workspace to seats.");
    if (holderUserId) {
      if (!(await isMember(tx, { workspaceId: args.workspaceId, userId: holderUserId }))) throw invalid("A seat can only be given to a member of this workspace.");
      if (await holdsSeatOrWillHold(tx, args.workspaceId, holderUserId)) throw conflict("That member already holds a paid seat in this workspace.");
    }
    const [row] = await tx
      .insert(planChanges)
      .values({ workspaceId: args.workspaceId, kind: "add_seat", toPlanId: plan.id, holderUserId, amountCents: plan.priceCents, status: "recorded", effectiveAt: now, requestedBy: args.byUserId, decisionKey, createdAt: now })
      .returning();
    return row!;
  });
  const done = await driveForRequest(db, change, { provider, applier: addSeatApplier, now: () => now });
  return seatOf(db, done);
}

/** A new seat, when its payment went through: the workspace's billing date set by the first. */
export const addSeatApplier: DecisionApplier = {
  async check(tx, change, now) {
    const ws = await lockWorkspace(tx, change.workspaceId);
    if (!ws) return "the workspace is gone";
    if (await switchDue(tx, change.workspaceId, now)) return "the workspace's switch of credit model came due before the payment went through";
    return ws.creditModel === "pool" ? "the workspace moved to a shared pool while the payment went through" : null;
  },
  async apply(tx, change, now) {
    const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, change.workspaceId));
    const anchor = ws!.billingAnchor ?? now;
    if (!ws!.billingAnchor) await tx.update(workspaces).set({ billingAnchor: anchor }).where(eq(workspaces.id, ws!.id));
    // The holder decided on may have got a seat, or left, while the payment went through: the
    // paid seat is then added unassigned.
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
    return [holder];
  },
};

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
    .where(and(eq(planChanges.workspaceId, workspaceId), eq(planChanges.holderUserId, userId), inArray(planChanges.status, ["recorded", "paying", "paid"])));
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
  provider: PaymentProvider = configuredProvider(),
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
      .values({ workspaceId, accountId: seat.id, kind: "upgrade", fromPlanId: from!.id, toPlanId: to.id, amountCents: to.priceCents - from!.priceCents, status: "recorded", effectiveAt: now, requestedBy: args.byUserId, decisionKey, createdAt: now })
      .returning();
    return row!;
  });
  if (change.kind === "downgrade") return { effect: "scheduled", change, effectiveAt: change.effectiveAt };
  return { effect: "now", change: await driveForRequest(db, change, { provider, applier: upgradeApplier, now: () => now }) };
}

/** An upgrade, when paid: this cycle's allowance becomes the new plan's; what was used stays used. */
export const upgradeApplier: DecisionApplier = {
  async check(tx, change, now) {
    const problem = await seatProblem(tx, change.accountId, now);
    if (problem) return problem;
    const seat = await getAccount(tx, change.accountId!);
    return seat.planId === change.fromPlanId ? null : "the seat's plan changed while the payment went through";
  },
  async apply(tx, change, now) {
    const seat = await getAccount(tx, change.accountId!);
    const [to] = await tx.select().from(plans).where(eq(plans.id, change.toPlanId!));
    await tx.update(creditAccounts).set({ planId: to!.id }).where(eq(creditAccounts.id, seat.id));
    await refreshPendingChangeAt(tx, seat.id);
    const cycle = cycleOf(seat, now);
    await ensureUsageRow(tx, seat, cycle);
    await tx
      .update(accountUsage)
      .set({ planId: to!.id, messageAllowance: to!.messageAllowance, integrationAllowance: to!.integrationAllowance, updatedAt: now })
      .where(and(eq(accountUsage.accountId, seat.id), eq(accountUsage.cycleStart, cycle.start)));
    await writeAudit(tx, { workspaceId: change.workspaceId, actorUserId: change.requestedBy, action: "plan.upgraded", targetType: "seat", targetId: seat.id, details: { from: change.fromPlanId, to: change.toPlanId }, now });
    return [seat.holderUserId];
  },
};

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
  // Applied on time by its job (and earlier by whatever touches the seat after it is due).
  await enqueue(tx, QUEUES.scheduledChange, { accountId: seat.id }, { id: row!.id, startAfter: effectiveAt });
  if (change.kind !== "downgrade") await tellHolder(tx, seat, row!.id, "ends", now);
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
    if (seat.type === "pool") throw invalid("A shared pool ends by switching the workspace to seats (Billing → Credit model).");
    return scheduleLocked(tx, seat, { kind, fromPlanId: seat.planId, toPlanId: null }, byUserId, now, auditAction);
  });
}

/** Schedules a seat's removal for the end of its cycle; its holder then falls back to free credits. */
export async function removeSeat(db: Db, args: { seatId: string; byUserId: string }, now: Date): Promise<PlanChangeResult> {
  const workspaceId = await activeSeatWorkspace(db, args.seatId, now);
  await requireRole(db, { workspaceId, userId: args.byUserId }, ["owner"], "remove paid seats");
  return schedule(db, args.seatId, "remove_seat", args.byUserId, now, "seat.removal_scheduled");
}

/**
 * Cancels the paid plan: every seat ends at the end of its cycle, in one transaction. A seat's
 * own scheduled change (a downgrade, a removal) is kept aside as "replaced": resuming puts it back.
 */
export async function cancelPaidPlan(db: Db, args: { workspaceId: string; byUserId: string }, now: Date): Promise<PlanChangeResult[]> {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "cancel the paid plan");
  return withRetry(() =>
    db.transaction(async (tx) => {
      const seats = await lockWorkspaceSeats(tx, args.workspaceId, now);
      if (seats.length === 0) throw invalid("This workspace has no paid seats to cancel.");
      const results: PlanChangeResult[] = [];
      for (const seat of seats) {
        // Cancelled already (the same decision sent again, or twice at once): it stands as it is,
        // and does not step aside for itself — a resume then restores what was there before.
        const [already] = await tx
          .select()
          .from(planChanges)
          .where(and(eq(planChanges.accountId, seat.id), eq(planChanges.status, "scheduled"), eq(planChanges.kind, "cancel")));
        if (already) {
          results.push({ effect: "scheduled", change: already, effectiveAt: already.effectiveAt });
          continue;
        }
        // The seat's pending change steps aside for the cancellation (one scheduled per seat).
        const cancelId = randomUUID();
        await tx
          .update(planChanges)
          .set({ status: "replaced", replacedBy: cancelId, updatedAt: now })
          .where(and(eq(planChanges.accountId, seat.id), eq(planChanges.status, "scheduled")));
        const [row] = await tx
          .insert(planChanges)
          .values({ id: cancelId, workspaceId: seat.workspaceId, accountId: seat.id, kind: "cancel", fromPlanId: seat.planId, toPlanId: null, status: "scheduled", effectiveAt: cycleOf(seat, now).end, requestedBy: args.byUserId, createdAt: now })
          .returning();
        await tx.update(creditAccounts).set({ pendingChangeAt: row!.effectiveAt }).where(eq(creditAccounts.id, seat.id));
        await enqueue(tx, QUEUES.scheduledChange, { accountId: seat.id }, { id: row!.id, startAfter: row!.effectiveAt });
        await tellHolder(tx, seat, row!.id, "ends", now);
        await writeAudit(tx, { workspaceId: seat.workspaceId, actorUserId: args.byUserId, action: "plan.cancel_scheduled", targetType: "seat", targetId: seat.id, details: { from: seat.planId, to: null, effectiveAt: row!.effectiveAt.toISOString() }, now });
        results.push({ effect: "scheduled", change: row!, effectiveAt: row!.effectiveAt });
      }
      return results;
    }),
  );
}

/** The seat's holder hears that it will end with the cycle (or, undone, that it carries on). */
async function tellHolder(tx: Db, seat: Seat, changeId: string, what: "ends" | "continues", now: Date) {
  if (!seat.holderUserId) return;
  const [ws] = await tx.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, seat.workspaceId));
  const [plan] = await tx.select({ name: plans.name }).from(plans).where(eq(plans.id, seat.planId));
  const body =
    what === "ends"
      ? `Your ${plan!.name} seat in ${ws!.name} ends when this billing cycle does; after that you use the daily Free allowance there.`
      : `Your ${plan!.name} seat in ${ws!.name} no longer ends: it carries on into the next cycle.`;
  await notify(tx, { userId: seat.holderUserId, workspaceId: seat.workspaceId, accountId: seat.id, kind: "message", cycleStart: cycleOf(seat, now).start, body, dedupeKey: `seat-${what}:${changeId}`, href: "/settings/workspace" }, now);
  // By email too when it ends (whoever undoes it later is told in the app).
  if (what === "ends") {
    await queueMailToUser(tx, seat.holderUserId, { key: `seat-ends:${changeId}`, workspaceId: seat.workspaceId, subject: `Your ${plan!.name} seat in ${ws!.name} ends with this cycle`, text: `${body}\n\nYour credits: ${appLink("/settings/workspace")}` }, now);
  }
}

/** Locks a workspace's active seats in id order (lock order step 2), their due changes applied first. */
async function lockWorkspaceSeats(tx: Db, workspaceId: string, now: Date): Promise<Seat[]> {
  const ids = await lockAccounts(tx, and(eq(creditAccounts.workspaceId, workspaceId), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")));
  const seats: Seat[] = [];
  for (const id of ids) {
    await settleDueChanges(tx, id, now);
    const seat = await getAccount(tx, id);
    // A seat whose removal came due just now is gone: nothing left to cancel there.
    if (seat.status === "active") seats.push(seat as Seat);
  }
  return seats;
}

/** Takes back a scheduled downgrade, removal or cancellation before it comes due. */
export async function undoScheduledChange(db: Db, args: { changeId: string; byUserId: string }, now: Date): Promise<PlanChange> {
  const [change] = await db.select().from(planChanges).where(eq(planChanges.id, args.changeId));
  if (!change) throw notFound("Scheduled change");
  await requireRole(db, { workspaceId: change.workspaceId, userId: args.byUserId }, ["owner"], "change plans");
  const gone = () => conflict("This change is no longer pending, so it cannot be undone.");
  if (change.status !== "scheduled" || change.effectiveAt <= now || !change.accountId) throw gone();
  return withRetry(() =>
    db.transaction(async (tx) => {
      // The seat may have ended meanwhile (its removal came due): then the change is no longer pending.
      if (await seatProblem(tx, change.accountId, now)) throw gone();
      const undone = await undoLocked(tx, change, args.byUserId, now);
      if (!undone) throw gone();
      return undone;
    }),
  );
}

/** Undoes a scheduled change whose seat is locked; a cancellation puts back what it replaced. */
async function undoLocked(tx: Db, change: PlanChange, byUserId: string, now: Date): Promise<PlanChange | null> {
  const [undone] = await tx
    .update(planChanges)
    .set({ status: "undone", settledAt: now, updatedAt: now })
    .where(and(eq(planChanges.id, change.id), eq(planChanges.status, "scheduled")))
    .returning();
  if (!undone) return null;
  if (change.kind !== "downgrade") {
    const seat = await getAccount(tx, change.accountId!);
    if (seat.workspaceId) await tellHolder(tx, seat as Seat, change.id, "continues", now);
  }
  if (change.kind === "cancel") {
    await tx
      .update(planChanges)
      .set({ status: "scheduled", replacedBy: null, updatedAt: now })
      .where(and(eq(planChanges.replacedBy, change.id), eq(planChanges.status, "replaced")));
  }
  await refreshPendingChangeAt(tx, change.accountId!);
  await writeAudit(tx, {
    workspaceId: change.workspaceId,
    actorUserId: byUserId,
    action: "plan.change_undone",
    targetType: "seat",
    targetId: change.accountId,
    details: { kind: change.kind, from: change.fromPlanId, to: change.toPlanId },
    now,
  });
  return undone;
}

/** Takes back a cancellation, in one transaction: every seat's pending changes are as they were before it. */
export async function resumePaidPlan(db: Db, args: { workspaceId: string; byUserId: string }, now: Date): Promise<number> {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "resume the paid plan");
  return withRetry(() =>
    db.transaction(async (tx) => {
      await lockWorkspaceSeats(tx, args.workspaceId, now);
      const pending = await tx
        .select()
        .from(planChanges)
        .where(and(eq(planChanges.workspaceId, args.workspaceId), eq(planChanges.kind, "cancel"), eq(planChanges.status, "scheduled")));
      if (pending.length === 0) throw conflict("The paid plan is not being cancelled.");
      for (const p of pending) await undoLocked(tx, p, args.byUserId, now);
      return pending.length;
    }),
  );
}
