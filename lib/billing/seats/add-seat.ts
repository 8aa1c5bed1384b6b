/** Use case: add a paid seat (a paid decision), and its applier. */
import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, planChanges, workspaces } from "@/db/schema";
import { type DecisionApplier, recordDecision } from "@/lib/billing/decisions/state-machine";
import { driveForRequest } from "@/lib/billing/decisions/for-request";
import { findDecision } from "@/lib/billing/decisions/queries";
import { switchDue } from "@/lib/billing/decisions/seat-rules";
import { lockWorkspace } from "@/lib/credits/locks";
import type { PaymentProvider } from "@/lib/billing/payments/provider";
import { configuredProvider } from "@/lib/billing/payments/configured";
import { conflict, invalid } from "@/lib/errors";
import { writeAudit } from "@/lib/workspaces/audit";
import { isMember, requireRole } from "@/lib/workspaces/roles";
import { paidPlan, seatOf } from "./seat-plans";


/**
 * Adds a paid seat, at once. The workspace's first paid seat sets its billing date to now;
 * later seats share it. The holder, if given, must be a member without a seat; if they got
 * one while the payment went through, the paid seat is added unassigned.
 */
export async function addSeat(
  db: Db,
  args: { workspaceId: string; planId: string; holderUserId?: string | null; byUserId: string; decisionKey?: string },
  now: Date,
  provider: PaymentProvider = configuredProvider(),
) {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "add paid seats");
  const plan = await paidPlan(db, args.planId);
  const holderUserId = args.holderUserId ?? null;
  const decisionKey = args.decisionKey ?? randomUUID();
  const change = await recordDecision(db, args.workspaceId, decisionKey, async (tx) => {
    const ws = await lockWorkspace(tx, args.workspaceId);
    const again = await findDecision(tx, args.workspaceId, decisionKey);
    if (again) return again;
    // In a shared pool nobody acts with a seat: one would be paid for and never used.
    if (ws?.creditModel === "pool") throw invalid("This workspace shares one pool: members need no seat. Raise the pool's plan instead, or switch the workspace to seats.");
    if (holderUserId) {
      if (!(await isMember(tx, { workspaceId: args.workspaceId, userId: holderUserId }))) throw invalid("A seat can only be given to a member of this workspace.");
      if (await holdsSeatOrWillHold(tx, args.workspaceId, holderUserId)) throw conflict("That member already holds a paid seat in this workspace.");
    }
    const [row] = await tx
      .insert(planChanges)
      .values({ workspaceId: args.workspaceId, kind: "add_seat", toPlanId: plan.id, holderUserId, amountCents: plan.priceCents, status: "recorded", effectiveAt: now, requestedBy: args.byUserId, decisionKey, createdAt: now })
      .returning();
    return row!;
  });
  const done = await driveForRequest(db, change, { provider, applier: addSeatApplier, now: () => now });
  return seatOf(db, done);
}

/** A new seat, when its payment went through: the workspace's billing date set by the first. */
export const addSeatApplier: DecisionApplier = {
  async check(tx, change, now) {
    const ws = await lockWorkspace(tx, change.workspaceId);
    if (!ws) return "the workspace is gone";
    if (await switchDue(tx, change.workspaceId, now)) return "the workspace's switch of credit model came due before the payment went through";
    return ws.creditModel === "pool" ? "the workspace moved to a shared pool while the payment went through" : null;
  },
  async apply(tx, change, now) {
    const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, change.workspaceId));
    const anchor = ws!.billingAnchor ?? now;
    if (!ws!.billingAnchor) await tx.update(workspaces).set({ billingAnchor: anchor }).where(eq(workspaces.id, ws!.id));
    // The holder decided on may have got a seat, or left, while the payment went through: the
    // paid seat is then added unassigned.
    const holder = change.holderUserId && !(await holdsSeat(tx, ws!.id, change.holderUserId)) && (await isMember(tx, { workspaceId: ws!.id, userId: change.holderUserId })) ? change.holderUserId : null;
    const [seat] = await tx
      .insert(creditAccounts)
      .values({ type: "seat", workspaceId: ws!.id, planId: change.toPlanId!, holderUserId: holder, anchorAt: anchor, createdAt: now })
      .returning();
    await tx.update(planChanges).set({ accountId: seat!.id }).where(eq(planChanges.id, change.id));
    await writeAudit(tx, {
      workspaceId: ws!.id,
      actorUserId: change.requestedBy,
      action: "seat.added",
      targetType: "seat",
      targetId: seat!.id,
      details: { plan: change.toPlanId, holderUserId: holder, billingAnchor: anchor.toISOString() },
      now,
    });
    return [holder];
  },
};

async function holdsSeat(db: Db, workspaceId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.workspaceId, workspaceId), eq(creditAccounts.holderUserId, userId), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")));
  return !!row;
}

/** Holds a seat, or a seat being paid for will go to them. */
async function holdsSeatOrWillHold(db: Db, workspaceId: string, userId: string): Promise<boolean> {
  if (await holdsSeat(db, workspaceId, userId)) return true;
  const [pending] = await db
    .select({ id: planChanges.id })
    .from(planChanges)
    .where(and(eq(planChanges.workspaceId, workspaceId), eq(planChanges.holderUserId, userId), inArray(planChanges.status, ["recorded", "paying", "paid"])));
  return !!pending;
}
