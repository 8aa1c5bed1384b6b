/** Use case: change a seat's plan — an upgrade at once (paid), a downgrade at the cycle's end — and the upgrade's applier. */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, creditAccounts, planChanges, plans } from "@/db/schema";
import { scheduleLocked, unschedule } from "./scheduling";
import { cycleOf, getAccount } from "@/lib/credits/accounts";
import { activeSeatWorkspace, lockSeat, seatProblem } from "@/lib/billing/decisions/seat-rules";
import { type DecisionApplier, recordDecision } from "@/lib/billing/decisions/state-machine";
import { driveForRequest } from "@/lib/billing/decisions/for-request";
import { findDecision } from "@/lib/billing/decisions/queries";
import type { PaymentProvider } from "@/lib/billing/payments/provider";
import { configuredProvider } from "@/lib/billing/payments/configured";
import { refreshPendingChangeAt } from "@/lib/credits/scheduled-changes";
import { ensureUsageRow } from "@/lib/credits/usage";
import { invalid } from "@/lib/errors";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";
import { paidPlan, type PlanChangeResult } from "./seat-plans";




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
