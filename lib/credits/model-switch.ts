/** The shared pool as account state: find a workspace's pool, open it, and apply a switch of credit model that came due. */
import { and, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, memberships, planChanges, topUpLots, workspaces } from "@/db/schema";
import { type Account, getAccount } from "./accounts";
import { lockAccounts, lockWorkspace, withRetry } from "./locks";
import { afterCommit } from "@/lib/events";
import { writeAudit } from "@/lib/workspaces/audit";

/**
 * The shared-pool model: a workspace with one plan and one pool of credits every member draws
 * from (a credit account of type `pool`, active exactly while the workspace is on the pool
 * model). Members need no seat; owners and admins may limit each member's monthly message
 * credits. Switching model happens at the next billing date, in one transaction, top-ups carried.
 */

export type CreditModel = "seats" | "pool";

/** The workspace's active pool, or null on the per-seat model. */
export async function findPool(db: Db, workspaceId: string): Promise<Account | null> {
  const [row] = await db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.workspaceId, workspaceId), eq(creditAccounts.type, "pool"), eq(creditAccounts.status, "active")));
  return row ? getAccount(db, row.id) : null;
}

/** Opens the workspace's pool now (a new workspace's choice, or a switch come due), inside `tx`. */
export async function openPool(tx: Db, ws: typeof workspaces.$inferSelect, planId: string, now: Date): Promise<string> {
  const anchor = ws.billingAnchor ?? now;
  if (!ws.billingAnchor) await tx.update(workspaces).set({ billingAnchor: anchor }).where(eq(workspaces.id, ws.id));
  const [pool] = await tx.insert(creditAccounts).values({ type: "pool", workspaceId: ws.id, planId, holderUserId: null, anchorAt: anchor, createdAt: now }).returning({ id: creditAccounts.id });
  await tx.update(workspaces).set({ creditModel: "pool" }).where(eq(workspaces.id, ws.id));
  return pool!.id;
}

/**
 * Applies a switch of credit model whose instant has come, once (the workspace row's lock and
 * the pending check), in one transaction: seats → pool ends every seat and moves their unexpired
 * top-ups to the new pool; pool → seats ends the pool and pauses its top-ups until the owner
 * moves them to a seat. This cycle's history stays with the accounts that had it. Returns
 * whether it applied.
 */
export async function settleModelSwitch(db: Db, workspaceId: string, now: Date): Promise<boolean> {
  const applied = await withRetry(() => db.transaction(async (tx) => {
    const ws = await lockWorkspace(tx, workspaceId);
    if (!ws?.pendingModel || !ws.pendingModelAt || ws.pendingModelAt > now) return false;
    if (ws.creditModel === ws.pendingModel) {
      // Already there (nothing to switch): the pending switch is cleared, never applied twice.
      await tx.update(workspaces).set({ pendingModel: null, pendingModelPlanId: null, pendingModelAt: null }).where(eq(workspaces.id, ws.id));
      return false;
    }
    const at = ws.pendingModelAt;
    // Seats before lots, as everywhere (decisions.ts): each locked in id order.
    const endingIds = await lockAccounts(tx, and(eq(creditAccounts.workspaceId, ws.id), eq(creditAccounts.status, "active"), inArray(creditAccounts.type, ws.pendingModel === "pool" ? ["seat"] : ["pool"])));
    if (endingIds.length > 0) {
      await tx.update(creditAccounts).set({ status: "removed", removedAt: at, pendingChangeAt: null }).where(inArray(creditAccounts.id, endingIds));
      // Their scheduled downgrades and removals are moot: the accounts end here.
      await tx.update(planChanges).set({ status: "replaced", settledAt: now }).where(and(inArray(planChanges.accountId, endingIds), eq(planChanges.status, "scheduled")));
    }
    let carried = 0;
    if (ws.pendingModel === "pool") {
      const poolId = await openPool(tx, ws, ws.pendingModelPlanId!, at);
      // Every unexpired top-up of the workspace's seats (paused ones, and ones a pending hold has
      // drawn to the end: a release gives back to them) now belongs to the pool.
      const moved = await tx
        .update(topUpLots)
        .set({ accountId: poolId, pausedAt: null })
        .where(and(eq(topUpLots.workspaceId, ws.id), gt(topUpLots.expiresAt, at), sql`${topUpLots.accountId} in (select id from credit_accounts where workspace_id = ${ws.id} and type = 'seat')`))
        .returning({ id: topUpLots.id });
      carried = moved.length;
    } else {
      await tx.update(workspaces).set({ creditModel: "seats" }).where(eq(workspaces.id, ws.id));
      const paused = endingIds.length > 0 ? await tx.update(topUpLots).set({ pausedAt: at }).where(and(inArray(topUpLots.accountId, endingIds), isNull(topUpLots.pausedAt))).returning({ id: topUpLots.id }) : [];
      carried = paused.length;
    }
    await tx.update(workspaces).set({ pendingModel: null, pendingModelPlanId: null, pendingModelAt: null }).where(eq(workspaces.id, ws.id));
    await writeAudit(tx, {
      workspaceId: ws.id,
      actorUserId: null,
      action: ws.pendingModel === "pool" ? "model.switched_to_pool" : "model.switched_to_seats",
      targetType: "workspace",
      targetId: ws.id,
      details: { ended: endingIds.length, topUps: carried, plan: ws.pendingModelPlanId, effectiveAt: at.toISOString() },
      now,
    });
    return true;
  }));
  if (applied) afterCommit(await memberIds(db, workspaceId));
  return applied;
}

/** Settles a due switch of the workspace if one is due (one indexed read when none is). */
export async function settleModelSwitchIfDue(db: Db, workspaceId: string, now: Date): Promise<boolean> {
  const [due] = await db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(and(eq(workspaces.id, workspaceId), lte(workspaces.pendingModelAt, now)));
  return due ? settleModelSwitch(db, workspaceId, now) : false;
}

export async function memberIds(db: Db, workspaceId: string): Promise<string[]> {
  return (await db.select({ userId: memberships.userId }).from(memberships).where(eq(memberships.workspaceId, workspaceId))).map((m) => m.userId);
}
