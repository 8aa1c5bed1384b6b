import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, creditAccounts, planChanges, plans, workspaces } from "@/db/schema";
import { conflict, invalid, isUniqueViolation, notFound } from "@/lib/errors";
import { writeAudit, type AuditAction } from "@/lib/workspaces/audit";
import { isMember, requireRole } from "@/lib/workspaces/roles";
import { cycleOf, getAccount, type Account } from "./accounts";
import { testModeProvider, type PaymentProvider } from "./payments";
import { refreshPendingChangeAt } from "./scheduled-changes";
import { ensureUsageRow } from "./usage";

type Plan = typeof plans.$inferSelect;
import type { PlanChange } from "./scheduled-changes";
export type { PlanChange };

async function paidPlan(db: Db, planId: string): Promise<Plan> {
  const [plan] = await db.select().from(plans).where(eq(plans.id, planId));
  if (!plan || !plan.active) throw invalid(`There is no plan called "${planId}".`);
  if (plan.cadence !== "monthly") throw invalid("A paid seat needs a paid plan (Starter, Builder, Pro or Elite).");
  return plan;
}

async function activeSeat(db: Db, seatId: string): Promise<Account & { workspaceId: string }> {
  const account = await getAccount(db, seatId).catch(() => null);
  if (!account || account.type !== "seat" || account.status !== "active" || !account.workspaceId) throw notFound("Seat");
  return account as Account & { workspaceId: string };
}

/** Withdraws any change already scheduled for a seat: a new decision replaces the old one. */
async function undoScheduledFor(db: Db, accountId: string, now: Date): Promise<PlanChange[]> {
  return db
    .update(planChanges)
    .set({ status: "undone", settledAt: now })
    .where(and(eq(planChanges.accountId, accountId), eq(planChanges.status, "scheduled")))
    .returning();
}

/**
 * Adds a paid seat, at once. The workspace's first paid seat sets its billing date to now;
 * later seats share it. The holder, if given, must be a member without a seat.
 */
export async function addSeat(
  db: Db,
  args: { workspaceId: string; planId: string; holderUserId?: string | null; byUserId: string },
  now: Date,
  provider: PaymentProvider = testModeProvider,
) {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "add paid seats");
  const plan = await paidPlan(db, args.planId);
  if (args.holderUserId && !(await isMember(db, { workspaceId: args.workspaceId, userId: args.holderUserId }))) {
    throw invalid("A seat can only be given to a member of this workspace.");
  }
  const payment = await provider.charge({ workspaceId: args.workspaceId, amountCents: plan.priceCents, description: `${plan.name} seat` });
  try {
    return await db.transaction(async (tx) => {
      // Lock the workspace row: two first seats added at once must agree on one billing date.
      const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, args.workspaceId)).for("update");
      if (!ws) throw notFound("Workspace");
      const anchor = ws.billingAnchor ?? now;
      if (!ws.billingAnchor) await tx.update(workspaces).set({ billingAnchor: anchor }).where(eq(workspaces.id, ws.id));
      const [seat] = await tx
        .insert(creditAccounts)
        .values({ type: "seat", workspaceId: ws.id, planId: plan.id, holderUserId: args.holderUserId ?? null, anchorAt: anchor, createdAt: now })
        .returning();
      await tx.insert(planChanges).values({
        workspaceId: ws.id,
        accountId: seat!.id,
        kind: "add_seat",
        toPlanId: plan.id,
        status: "applied",
        effectiveAt: now,
        requestedBy: args.byUserId,
        providerRef: payment.ref,
        createdAt: now,
        settledAt: now,
      });
      await writeAudit(tx, {
        workspaceId: ws.id,
        actorUserId: args.byUserId,
        action: "seat.added",
        targetType: "seat",
        targetId: seat!.id,
        details: { plan: plan.id, holderUserId: args.holderUserId ?? null, billingAnchor: anchor.toISOString() },
        now,
      });
      return seat!;
    });
  } catch (err) {
    if (isUniqueViolation(err, "credit_accounts_one_seat_per_member")) throw conflict("That member already holds a paid seat in this workspace.");
    throw err;
  }
}

export type PlanChangeResult =
  | { effect: "now"; change: PlanChange }
  | { effect: "scheduled"; change: PlanChange; effectiveAt: Date };

/**
 * Moves a seat to another plan. Up: at once, and the current cycle's allowance becomes the
 * new plan's while what was used stays used. Down: at the end of the current cycle.
 */
export async function changeSeatPlan(
  db: Db,
  args: { seatId: string; toPlanId: string; byUserId: string },
  now: Date,
  provider: PaymentProvider = testModeProvider,
): Promise<PlanChangeResult> {
  const seat = await activeSeat(db, args.seatId);
  await requireRole(db, { workspaceId: seat.workspaceId, userId: args.byUserId }, ["owner"], "change plans");
  const [from] = await db.select().from(plans).where(eq(plans.id, seat.planId));
  const to = await paidPlan(db, args.toPlanId);
  if (to.id === seat.planId) throw invalid(`This seat is already on the ${to.name} plan.`);
  const cycle = cycleOf(seat, now);

  if (to.rank > from!.rank) {
    const payment = await provider.charge({
      workspaceId: seat.workspaceId,
      amountCents: to.priceCents - from!.priceCents,
      description: `Upgrade ${from!.name} → ${to.name}`,
    });
    return db.transaction(async (tx) => {
      await undoScheduledFor(tx, seat.id, now);
      await tx.update(creditAccounts).set({ planId: to.id, pendingChangeAt: null }).where(eq(creditAccounts.id, seat.id));
      await ensureUsageRow(tx, seat, cycle);
      // Raise this cycle's allowance to the new plan's; used and reserved stay as they are.
      await tx
        .update(accountUsage)
        .set({ planId: to.id, messageAllowance: to.messageAllowance, integrationAllowance: to.integrationAllowance, updatedAt: now })
        .where(and(eq(accountUsage.accountId, seat.id), eq(accountUsage.cycleStart, cycle.start)));
      const [change] = await tx
        .insert(planChanges)
        .values({
          workspaceId: seat.workspaceId,
          accountId: seat.id,
          kind: "upgrade",
          fromPlanId: from!.id,
          toPlanId: to.id,
          status: "applied",
          effectiveAt: now,
          requestedBy: args.byUserId,
          providerRef: payment.ref,
          createdAt: now,
          settledAt: now,
        })
        .returning();
      await writeAudit(tx, {
        workspaceId: seat.workspaceId,
        actorUserId: args.byUserId,
        action: "plan.upgraded",
        targetType: "seat",
        targetId: seat.id,
        details: { from: from!.id, to: to.id },
        now,
      });
      return { effect: "now" as const, change: change! };
    });
  }

  return schedule(db, seat, { kind: "downgrade", fromPlanId: from!.id, toPlanId: to.id }, args.byUserId, now, "plan.downgrade_scheduled");
}

async function schedule(
  db: Db,
  seat: Account & { workspaceId: string },
  change: { kind: "downgrade" | "remove_seat" | "cancel"; fromPlanId: string; toPlanId: string | null },
  byUserId: string,
  now: Date,
  auditAction: AuditAction,
): Promise<PlanChangeResult> {
  const effectiveAt = cycleOf(seat, now).end;
  return db.transaction(async (tx) => {
    await undoScheduledFor(tx, seat.id, now);
    const [row] = await tx
      .insert(planChanges)
      .values({ workspaceId: seat.workspaceId, accountId: seat.id, ...change, status: "scheduled", effectiveAt, requestedBy: byUserId, createdAt: now })
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
    return { effect: "scheduled" as const, change: row!, effectiveAt };
  });
}

/** Schedules a seat's removal for the end of its cycle; its holder then falls back to free credits. */
export async function removeSeat(db: Db, args: { seatId: string; byUserId: string }, now: Date): Promise<PlanChangeResult> {
  const seat = await activeSeat(db, args.seatId);
  await requireRole(db, { workspaceId: seat.workspaceId, userId: args.byUserId }, ["owner"], "remove paid seats");
  return schedule(db, seat, { kind: "remove_seat", fromPlanId: seat.planId, toPlanId: null }, args.byUserId, now, "seat.removal_scheduled");
}

/** Cancels the paid plan: every seat is scheduled for removal at the end of the cycle. */
export async function cancelPaidPlan(db: Db, args: { workspaceId: string; byUserId: string }, now: Date): Promise<PlanChangeResult[]> {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "cancel the paid plan");
  const seats = await db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.workspaceId, args.workspaceId), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")));
  if (seats.length === 0) throw invalid("This workspace has no paid seats to cancel.");
  const results: PlanChangeResult[] = [];
  for (const s of seats) {
    const seat = await activeSeat(db, s.id);
    results.push(await schedule(db, seat, { kind: "cancel", fromPlanId: seat.planId, toPlanId: null }, args.byUserId, now, "plan.cancel_scheduled"));
  }
  return results;
}

/** Takes back a scheduled downgrade, removal or cancellation before it comes due. */
export async function undoScheduledChange(db: Db, args: { changeId: string; byUserId: string }, now: Date): Promise<PlanChange> {
  const [change] = await db.select().from(planChanges).where(eq(planChanges.id, args.changeId));
  if (!change) throw notFound("Scheduled change");
  await requireRole(db, { workspaceId: change.workspaceId, userId: args.byUserId }, ["owner"], "change plans");
  if (change.status !== "scheduled" || change.effectiveAt <= now) {
    throw conflict("This change is no longer pending, so it cannot be undone.");
  }
  return db.transaction(async (tx) => {
    const [undone] = await tx
      .update(planChanges)
      .set({ status: "undone", settledAt: now })
      .where(and(eq(planChanges.id, change.id), eq(planChanges.status, "scheduled")))
      .returning();
    if (!undone) throw conflict("This change is no longer pending, so it cannot be undone.");
    if (change.accountId) await refreshPendingChangeAt(tx, change.accountId);
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
