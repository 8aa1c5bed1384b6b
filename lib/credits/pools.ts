import { and, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, memberships, planChanges, plans, topUpLots, workspaces } from "@/db/schema";
import { randomUUID } from "node:crypto";
import { conflict, invalid, notFound } from "@/lib/errors";
import { afterCommit } from "@/lib/events";
import { enqueue, QUEUES } from "@/lib/jobs/queue";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";
import { getAccount, type Account } from "./accounts";
import { formatCredits, type Millicredits } from "./amounts";
import { cycleAt } from "./cycle";
import { driveForRequest, findDecision, recordDecision, type DecisionApplier } from "./decisions";
import { lockAccounts, lockMembership, lockWorkspace, withRetry } from "./locks";
import type { PaymentProvider } from "./payments";
import { configuredProvider } from "./providers";

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

async function paidPlan(db: Db, planId: string) {
  const [plan] = await db.select().from(plans).where(eq(plans.id, planId));
  if (!plan || !plan.active || plan.cadence !== "monthly") throw invalid("Choose a paid plan for the pool.");
  return plan;
}

/** Opens the workspace's pool now (a new workspace's choice, or a switch come due), inside `tx`. */
async function openPool(tx: Db, ws: typeof workspaces.$inferSelect, planId: string, now: Date): Promise<string> {
  const anchor = ws.billingAnchor ?? now;
  if (!ws.billingAnchor) await tx.update(workspaces).set({ billingAnchor: anchor }).where(eq(workspaces.id, ws.id));
  const [pool] = await tx.insert(creditAccounts).values({ type: "pool", workspaceId: ws.id, planId, holderUserId: null, anchorAt: anchor, createdAt: now }).returning({ id: creditAccounts.id });
  await tx.update(workspaces).set({ creditModel: "pool" }).where(eq(workspaces.id, ws.id));
  return pool!.id;
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

/** When a switch asked for now would happen: the end of the current billing cycle (now, with no billing date yet). */
export function switchInstant(ws: { billingAnchor: Date | null }, now: Date): Date {
  return ws.billingAnchor ? cycleAt(ws.billingAnchor, "monthly", now).end : now;
}

/** Schedules the switch of credit model for the next billing date (shown as pending; undoable until then). */
export async function scheduleModelSwitch(db: Db, args: { workspaceId: string; to: CreditModel; planId?: string; byUserId: string }, now: Date) {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "change the workspace's credit model");
  if (args.to === "pool") await paidPlan(db, args.planId ?? "");
  return db.transaction(async (tx) => {
    const ws = await lockWorkspace(tx, args.workspaceId);
    if (!ws) throw notFound("Workspace");
    if (ws.creditModel === args.to) throw invalid(args.to === "pool" ? "This workspace already shares one pool." : "This workspace is already on seats.");
    if (args.to === "pool") {
      // Without paid seats there is nothing to wait for: the pool is opened now, and paid for (startPool).
      const [seat] = await tx
        .select({ id: creditAccounts.id })
        .from(creditAccounts)
        .where(and(eq(creditAccounts.workspaceId, ws.id), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")));
      if (!seat) throw invalid("This workspace has no paid seats: open the shared pool now instead (it is paid like a seat).");
    }
    const at = switchInstant(ws, now);
    await tx.update(workspaces).set({ pendingModel: args.to, pendingModelPlanId: args.to === "pool" ? args.planId! : null, pendingModelAt: at }).where(eq(workspaces.id, ws.id));
    await writeAudit(tx, { workspaceId: ws.id, actorUserId: args.byUserId, action: "model.switch_scheduled", targetType: "workspace", targetId: ws.id, details: { to: args.to, plan: args.planId ?? null, effectiveAt: at.toISOString() }, now });
    await enqueue(tx, QUEUES.scheduledChange, { workspaceId: ws.id }, { startAfter: at });
    return { effectiveAt: at };
  });
}

/** Takes back a pending switch of credit model. */
export async function undoModelSwitch(db: Db, args: { workspaceId: string; byUserId: string }, now: Date) {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "change the workspace's credit model");
  await db.transaction(async (tx) => {
    const ws = await lockWorkspace(tx, args.workspaceId);
    if (!ws?.pendingModel) throw invalid("No switch of credit model is pending.");
    await tx.update(workspaces).set({ pendingModel: null, pendingModelPlanId: null, pendingModelAt: null }).where(eq(workspaces.id, ws.id));
    await writeAudit(tx, { workspaceId: ws.id, actorUserId: args.byUserId, action: "model.switch_undone", targetType: "workspace", targetId: ws.id, details: { to: ws.pendingModel }, now });
  });
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

async function memberIds(db: Db, workspaceId: string): Promise<string[]> {
  return (await db.select({ userId: memberships.userId }).from(memberships).where(eq(memberships.workspaceId, workspaceId))).map((m) => m.userId);
}

/**
 * Owners and admins set member limits: the workspace's default (`defaultLimit`, null: none)
 * and/or one member's own (a number, null for "no limit", or "default" to follow the
 * workspace's). The owner is never limited; a limit is at most the pool's monthly allowance.
 * Setting what is already set changes nothing (and writes no audit line).
 */
export async function setMemberLimits(
  db: Db,
  args: { workspaceId: string; byUserId: string; defaultLimit?: Millicredits | null; member?: { userId: string; limit: Millicredits | null | "default" } },
  now: Date,
): Promise<{ changed: boolean }> {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner", "admin"], "set member limits");
  const pool = await findPool(db, args.workspaceId);
  if (!pool) throw invalid("Member limits apply to a shared pool; this workspace is on seats.");
  const check = (limit: Millicredits | null) => {
    if (limit === null) return;
    if (!Number.isInteger(limit) || limit < 0) throw invalid("A limit is a number of credits, 0 or more.");
    if (limit > pool.messageAllowance) throw invalid(`A limit can't be more than the pool's ${formatCredits(pool.messageAllowance)} message credits a month.`);
  };
  if (args.defaultLimit !== undefined) check(args.defaultLimit);
  if (args.member && args.member.limit !== "default") check(args.member.limit);
  const changed = await db.transaction(async (tx) => {
    const ws = await lockWorkspace(tx, args.workspaceId);
    if (!ws) throw notFound("Workspace");
    let any = false;
    if (args.defaultLimit !== undefined && args.defaultLimit !== ws.memberMessageLimit) {
      await tx.update(workspaces).set({ memberMessageLimit: args.defaultLimit }).where(eq(workspaces.id, ws.id));
      await writeAudit(tx, { workspaceId: ws.id, actorUserId: args.byUserId, action: "limit.default_changed", targetType: "workspace", targetId: ws.id, details: { from: creditsOrNone(ws.memberMessageLimit), to: creditsOrNone(args.defaultLimit) }, now });
      any = true;
    }
    if (args.member) {
      if (args.member.userId === ws.ownerId) throw invalid("The owner is never limited.");
      const m = await lockMembership(tx, ws.id, args.member.userId);
      if (!m) throw notFound("Member");
      const next = args.member.limit === "default" ? { messageLimitSet: false, messageLimit: null } : { messageLimitSet: true, messageLimit: args.member.limit };
      if (next.messageLimitSet !== m.messageLimitSet || next.messageLimit !== m.messageLimit) {
        await tx.update(memberships).set(next).where(eq(memberships.id, m.id));
        await writeAudit(tx, {
          workspaceId: ws.id,
          actorUserId: args.byUserId,
          action: "limit.member_changed",
          targetType: "user",
          targetId: m.userId,
          details: { from: m.messageLimitSet ? creditsOrNone(m.messageLimit) : "the default", to: next.messageLimitSet ? creditsOrNone(next.messageLimit) : "the default" },
          now,
        });
        any = true;
      }
    }
    return any;
  });
  if (changed) afterCommit(await memberIds(db, args.workspaceId));
  return { changed };
}

const creditsOrNone = (limit: Millicredits | null) => (limit === null ? "no limit" : `${formatCredits(limit)} credits`);

