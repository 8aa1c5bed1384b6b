/** Use cases: remove a seat, cancel the paid plan, undo a scheduled change, resume the plan. */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, planChanges } from "@/db/schema";
import { lockWorkspaceSeats, schedule, tellHolder, undoLocked } from "./scheduling";
import { cycleOf } from "@/lib/credits/accounts";
import { activeSeatWorkspace, seatProblem } from "@/lib/billing/decisions/seat-rules";
import { withRetry } from "@/lib/credits/locks";
import type { PlanChange } from "@/lib/credits/scheduled-changes";
import { conflict, invalid, notFound } from "@/lib/errors";
import { enqueue, QUEUES } from "@/lib/jobs/queue";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";
import { type PlanChangeResult } from "./seat-plans";

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
