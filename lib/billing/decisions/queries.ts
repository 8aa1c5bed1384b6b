/** Decisions read and found: by key, by id, on their way, failed lately, refunds owed; the provider's key of a decision. */
import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { IN_FLIGHT_STATUSES, planChanges } from "@/db/schema";

import type { PlanChange } from "@/lib/credits/scheduled-changes";
import { notFound } from "@/lib/errors";
import { enqueue, QUEUES } from "@/lib/jobs/queue";

export async function findDecision(db: Db, workspaceId: string, key: string): Promise<PlanChange | undefined> {
  const [change] = await db.select().from(planChanges).where(and(eq(planChanges.workspaceId, workspaceId), eq(planChanges.decisionKey, key)));
  return change;
}

export async function getDecision(db: Db, id: string): Promise<PlanChange> {
  const [change] = await db.select().from(planChanges).where(eq(planChanges.id, id));
  if (!change) throw notFound("Decision");
  return change;
}

/** Puts the job that drives a decision in `tx` (the decision's own id: enqueuing twice is one job). */
export function enqueueDecision(tx: Db, decisionId: string) {
  return enqueue(tx, QUEUES.decision, { decisionId }, { id: decisionId });
}

/** The key a decision is paid (and refunded) with at the provider: its idempotency key there. */
export function providerKey(change: { id: string }) {
  return `plan_change:${change.id}`;
}

/** The decision a provider's key names, or null for a key that is not one of ours. */
export function decisionIdOfKey(key: string | undefined): string | null {
  return key?.match(/^plan_change:([0-9a-f-]{36})$/)?.[1] ?? null;
}

/** Decisions still on their way, oldest first (the worker's sweep, the operator's list). */
export async function decisionsInFlight(db: Db, opts: { olderThan?: Date } = {}): Promise<PlanChange[]> {
  return db
    .select()
    .from(planChanges)
    .where(
      and(
        inArray(planChanges.status, [...IN_FLIGHT_STATUSES]),
        opts.olderThan ? or(lt(planChanges.updatedAt, opts.olderThan), sql`${planChanges.updatedAt} is null and ${planChanges.createdAt} < ${opts.olderThan.toISOString()}::timestamptz`) : undefined,
      ),
    )
    .orderBy(planChanges.createdAt);
}

/**
 * Failed decisions of the last day not refunded: a payment the bank confirmed after we recorded
 * the failure has money that must go back. The sweep asks the provider about each.
 */
export async function recentlyFailed(db: Db, now: Date, withinMs = 86_400_000): Promise<PlanChange[]> {
  return db
    .select()
    .from(planChanges)
    .where(and(eq(planChanges.status, "failed"), sql`${planChanges.refundRef} is null`, sql`coalesce(${planChanges.updatedAt}, ${planChanges.createdAt}) > ${new Date(now.getTime() - withinMs).toISOString()}::timestamptz`))
    .orderBy(planChanges.createdAt);
}

/** Voided decisions whose refund has not gone through yet. */
export async function refundsOwed(db: Db): Promise<PlanChange[]> {
  return db.select().from(planChanges).where(and(eq(planChanges.status, "voided"), sql`${planChanges.refundRef} is null`));
}
