/** Use case: start a shared pool (a paid decision), and its applier. */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, planChanges, plans, workspaces } from "@/db/schema";
import { type DecisionApplier, recordDecision } from "@/lib/billing/decisions/state-machine";
import { driveForRequest } from "@/lib/billing/decisions/for-request";
import { findDecision } from "@/lib/billing/decisions/queries";
import { lockWorkspace } from "@/lib/credits/locks";
import { memberIds, openPool } from "@/lib/credits/model-switch";
import type { PaymentProvider } from "@/lib/billing/payments/provider";
import { configuredProvider } from "@/lib/billing/payments/configured";
import { conflict, invalid } from "@/lib/errors";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";

export async function paidPlan(db: Db, planId: string) {
  const [plan] = await db.select().from(plans).where(eq(plans.id, planId));
  if (!plan || !plan.active || plan.cadence !== "monthly") throw invalid("Choose a paid plan for the pool.");
  return plan;
}

/**
 * A workspace that has no paid seat yet starts on the pool at once (the choice a new workspace
 * makes), as a paid decision like adding a seat: recorded, paid with its key, then applied (the
 * pool opened, the billing date set if there was none). One with seats schedules the switch for
 * its next billing date instead.
 */
export async function startPool(
  db: Db,
  args: { workspaceId: string; planId: string; byUserId: string; decisionKey?: string },
  now: Date,
  provider: PaymentProvider = configuredProvider(),
): Promise<{ poolId: string }> {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "choose the workspace's credit model");
  const plan = await paidPlan(db, args.planId);
  const decisionKey = args.decisionKey ?? randomUUID();
  const change = await recordDecision(db, args.workspaceId, decisionKey, async (tx) => {
    const ws = await lockWorkspace(tx, args.workspaceId);
    const again = await findDecision(tx, args.workspaceId, decisionKey);
    if (again) return again;
    const problem = ws ? await poolProblem(tx, ws) : "the workspace is gone";
    if (problem) throw invalid(problem);
    const [row] = await tx
      .insert(planChanges)
      .values({ workspaceId: args.workspaceId, kind: "start_pool", toPlanId: plan.id, amountCents: plan.priceCents, status: "recorded", effectiveAt: now, requestedBy: args.byUserId, decisionKey, createdAt: now })
      .returning();
    return row!;
  });
  const done = await driveForRequest(db, change, { provider, applier: startPoolApplier, now: () => now });
  if (done.status !== "applied" || !done.accountId) throw conflict(done.status === "failed" ? "The payment was declined; nothing was charged and no pool was opened." : "This decision is still being processed. Reload in a moment.");
  return { poolId: done.accountId };
}

/** Why a workspace cannot open a pool now, or null. */
async function poolProblem(tx: Db, ws: typeof workspaces.$inferSelect): Promise<string | null> {
  if (ws.creditModel === "pool") return "This workspace already shares one pool.";
  if (ws.pendingModel) return "A switch of credit model is pending: undo it first, or let it happen.";
  const [seat] = await tx
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.workspaceId, ws.id), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")));
  return seat ? "This workspace has paid seats: schedule the switch to a shared pool for its next billing date instead." : null;
}

/** A pool, when its payment went through: opened now (the workspace row locked, re-checked). */
export const startPoolApplier: DecisionApplier = {
  async check(tx, change) {
    const ws = await lockWorkspace(tx, change.workspaceId);
    return ws ? poolProblem(tx, ws) : "the workspace is gone";
  },
  async apply(tx, change, now) {
    const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, change.workspaceId));
    const poolId = await openPool(tx, ws!, change.toPlanId!, now);
    await tx.update(planChanges).set({ accountId: poolId }).where(eq(planChanges.id, change.id));
    await writeAudit(tx, { workspaceId: ws!.id, actorUserId: change.requestedBy, action: "pool.started", targetType: "workspace", targetId: ws!.id, details: { plan: change.toPlanId }, now });
    return memberIds(tx, ws!.id);
  },
};
