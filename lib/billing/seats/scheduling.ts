/** Changes scheduled for a seat's cycle end: made, replaced, undone, and its holder told. */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, planChanges, plans, workspaces } from "@/db/schema";
import { cycleOf, getAccount } from "@/lib/credits/accounts";
import { lockSeat } from "@/lib/billing/decisions/seat-rules";
import type { Seat } from "@/lib/billing/decisions/state-machine";
import { lockAccounts } from "@/lib/credits/locks";
import { notify } from "@/lib/credits/notices";
import { type PlanChange, refreshPendingChangeAt, settleDueChanges } from "@/lib/credits/scheduled-changes";
import { invalid } from "@/lib/errors";
import { enqueue, QUEUES } from "@/lib/jobs/queue";
import { appLink, queueMailToUser } from "@/lib/mail";
import { type AuditAction, writeAudit } from "@/lib/workspaces/audit";
import { type PlanChangeResult } from "./seat-plans";

/** Withdraws a seat's scheduled change, if any: a new decision replaces the old one. */
export async function unschedule(tx: Db, seatId: string, now: Date) {
  await tx.update(planChanges).set({ status: "undone", settledAt: now }).where(and(eq(planChanges.accountId, seatId), eq(planChanges.status, "scheduled")));
  await refreshPendingChangeAt(tx, seatId);
}

/** Schedules a change for the end of the seat's cycle, replacing any scheduled one. The seat is locked. */
export async function scheduleLocked(
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

export function schedule(db: Db, seatId: string, kind: "remove_seat" | "cancel", byUserId: string, now: Date, auditAction: AuditAction) {
  return db.transaction(async (tx) => {
    const seat = await lockSeat(tx, seatId, now);
    if (seat.type === "pool") throw invalid("A shared pool ends by switching the workspace to seats (Billing → Credit model).");
    return scheduleLocked(tx, seat, { kind, fromPlanId: seat.planId, toPlanId: null }, byUserId, now, auditAction);
  });
}

/** The seat's holder hears that it will end with the cycle (or, undone, that it carries on). */
export async function tellHolder(tx: Db, seat: Seat, changeId: string, what: "ends" | "continues", now: Date) {
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
export async function lockWorkspaceSeats(tx: Db, workspaceId: string, now: Date): Promise<Seat[]> {
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

/** Undoes a scheduled change whose seat is locked; a cancellation puts back what it replaced. */
export async function undoLocked(tx: Db, change: PlanChange, byUserId: string, now: Date): Promise<PlanChange | null> {
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
