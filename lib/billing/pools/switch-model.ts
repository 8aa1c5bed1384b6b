/** Use cases: schedule a switch of credit model for the next billing date, and undo it. */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, workspaces } from "@/db/schema";
import { paidPlan } from "./start-pool";
import { cycleAt } from "@/lib/credits/cycle";
import { lockWorkspace } from "@/lib/credits/locks";
import type { CreditModel } from "@/lib/credits/model-switch";
import { invalid, notFound } from "@/lib/errors";
import { enqueue, QUEUES } from "@/lib/jobs/queue";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";

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
    await enqueue(tx, QUEUES.modelSwitch, { workspaceId: ws.id }, { startAfter: at });
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
