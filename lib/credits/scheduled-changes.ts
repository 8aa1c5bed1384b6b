import { and, asc, eq, inArray, isNull, lte, min } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, planChanges, topUpLots } from "@/db/schema";
import { writeAudit } from "@/lib/workspaces/audit";
import { lockAccount, lockDueChanges } from "./locks";

/**
 * Scheduled plan changes (downgrades, removals, cancellations) come due at a cycle's end. A job
 * enqueued with the change applies it at its due instant; whatever touches the account earlier
 * (a charge, a balance read, the billing page) applies it first, and then the job finds nothing.
 */
export type PlanChange = typeof planChanges.$inferSelect;

/** Keeps the hot path's copy of "when is this account's next change due" in step. */
export async function refreshPendingChangeAt(db: Db, accountId: string): Promise<void> {
  const [next] = await db
    .select({ at: min(planChanges.effectiveAt) })
    .from(planChanges)
    .where(and(eq(planChanges.accountId, accountId), eq(planChanges.status, "scheduled")));
  await db.update(creditAccounts).set({ pendingChangeAt: next?.at ?? null }).where(eq(creditAccounts.id, accountId));
}

/**
 * Applies the account's scheduled changes whose time has come: by its job at the due instant,
 * or by whatever touches the account first. The seat's lock (taken first, as everywhere: see
 * decisions.ts) and the status check make concurrent callers apply each change once.
 */
export async function settleDueChanges(db: Db, accountId: string, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    await lockAccount(tx, accountId);
    const due = await lockDueChanges(tx, accountId, now);
    for (const change of due) {
      if (change.kind === "downgrade" && change.toPlanId) {
        await tx.update(creditAccounts).set({ planId: change.toPlanId }).where(eq(creditAccounts.id, accountId));
      } else {
        await tx.update(creditAccounts).set({ status: "removed", removedAt: change.effectiveAt }).where(eq(creditAccounts.id, accountId));
        // Its unexpired top-ups pause with it; the owner can move them to an active seat.
        await tx.update(topUpLots).set({ pausedAt: change.effectiveAt }).where(and(eq(topUpLots.accountId, accountId), isNull(topUpLots.pausedAt)));
      }
      await tx.update(planChanges).set({ status: "applied", settledAt: now }).where(eq(planChanges.id, change.id));
      await writeAudit(tx, {
        workspaceId: change.workspaceId,
        actorUserId: null,
        action: change.kind === "downgrade" ? "plan.downgraded" : change.kind === "cancel" ? "plan.cancelled" : "seat.removed",
        targetType: "seat",
        targetId: accountId,
        details: { from: change.fromPlanId, to: change.toPlanId, effectiveAt: change.effectiveAt.toISOString() },
        now,
      });
    }
    if (due.length > 0) await refreshPendingChangeAt(tx, accountId);
    return due.length;
  });
}

/** Settles every due change of a workspace's seats (the billing page calls this first). */
export async function settleWorkspaceDueChanges(db: Db, workspaceId: string, now: Date): Promise<number> {
  const due = await db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.workspaceId, workspaceId), lte(creditAccounts.pendingChangeAt, now)));
  let applied = 0;
  for (const a of due) applied += await settleDueChanges(db, a.id, now);
  return applied;
}

export async function scheduledChanges(db: Db, workspaceId: string): Promise<PlanChange[]> {
  return db
    .select()
    .from(planChanges)
    .where(and(eq(planChanges.workspaceId, workspaceId), inArray(planChanges.status, ["scheduled"])))
    .orderBy(asc(planChanges.effectiveAt));
}

