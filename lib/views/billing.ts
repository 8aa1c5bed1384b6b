import { and, asc, eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { creditAccounts, plans, topUpPacks, users, workspaces } from "@/db/schema";
import { getAccount, type AccountBalance } from "@/lib/credits/accounts";
import { getAccountBalance } from "@/lib/credits/balance";
import { cycleAt } from "@/lib/credits/cycle";
import { scheduledChanges, settleWorkspaceDueChanges, type PlanChange } from "@/lib/credits/scheduled-changes";
import { settleModelSwitchIfDue } from "@/lib/credits/model-switch";
import { listLots } from "@/lib/billing/top-ups/settings";
import { autoTopUpsInCycle } from "@/lib/credits/lots";
import { listMembers } from "@/lib/workspaces/members";
import { listPayments } from "./payments";
import { requireRole } from "@/lib/workspaces/roles";

export type Plan = typeof plans.$inferSelect;

/**
 * The workspace's active paid seats with plan, holder and any pending change; balances are
 * the caller's to add (the members page already has them). Due scheduled changes are
 * applied first, so nothing shown is stale.
 */
export async function listSeats(db: Db, workspaceId: string, now: Date) {
  await settleModelSwitchIfDue(db, workspaceId, now);
  await settleWorkspaceDueChanges(db, workspaceId, now);
  const catalog = await db.select().from(plans).where(eq(plans.active, true)).orderBy(asc(plans.rank));
  const planById = new Map(catalog.map((p) => [p.id, p]));
  const holder = alias(users, "holder");
  const rows = await db
    .select({ id: creditAccounts.id, type: creditAccounts.type, planId: creditAccounts.planId, holderUserId: creditAccounts.holderUserId, holderName: holder.name, createdAt: creditAccounts.createdAt, autoTopUp: creditAccounts.autoTopUp })
    .from(creditAccounts)
    .leftJoin(holder, eq(holder.id, creditAccounts.holderUserId))
    // A workspace's shared pool is listed like a seat: its plan is the credit level, and it takes top-ups.
    .where(and(eq(creditAccounts.workspaceId, workspaceId), inArray(creditAccounts.type, ["seat", "pool"]), eq(creditAccounts.status, "active")))
    .orderBy(asc(creditAccounts.createdAt));
  const pending = await scheduledChanges(db, workspaceId);
  const seats = rows.map((s) => ({ ...s, plan: planById.get(s.planId)!, pending: pending.find((p) => p.accountId === s.id) ?? null }));
  return { catalog, planById, seats };
}

export type Seat = Awaited<ReturnType<typeof listSeats>>["seats"][number] & { balance: AccountBalance };
/** A seat as a viewer may see it: a plain member sees the usage of their own seat only. */
export type VisibleSeat = Omit<Seat, "balance"> & { balance: AccountBalance | null; autoUsed: Record<"message" | "integration", number> | null };

export const seatBalance = async (db: Db, seatId: string, now: Date) => getAccountBalance(db, await getAccount(db, seatId), now);

function nextTotal(seats: { plan: Plan; pending: PlanChange | null }[], planById: Map<string, Plan>) {
  return seats.reduce((sum, s) => {
    if (!s.pending) return sum + s.plan.priceCents;
    if (s.pending.kind === "downgrade" && s.pending.toPlanId) return sum + planById.get(s.pending.toPlanId)!.priceCents;
    return sum;
  }, 0);
}

/**
 * Settings → Billing: each seat with its plan, holder, this cycle's balance and any pending
 * change; the catalog, the monthly total, the next billing date; for the owner, the members
 * a new seat can go to.
 */
export async function getBillingView(db: Db, { workspaceId, userId }: { workspaceId: string; userId: string }, now: Date) {
  const role = await requireRole(db, { workspaceId, userId }, ["owner", "admin", "member"], "see billing");
  const { catalog, planById, seats: rows } = await listSeats(db, workspaceId, now);
  const [ws] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
  const [owner] = await db.select({ name: users.name }).from(users).where(eq(users.id, ws!.ownerId));
  const seesUsage = (s: { holderUserId: string | null }) => role !== "member" || s.holderUserId === userId;
  const seats: VisibleSeat[] = await Promise.all(
    rows.map(async (s) => {
      const balance = seesUsage(s) ? await seatBalance(db, s.id, now) : null;
      // For the owner's auto top-up settings: how many of each rule's purchases this cycle has had.
      const autoUsed = balance && role === "owner" ? { message: await autoTopUpsInCycle(db, s.id, "message", balance.message.cycleStart), integration: await autoTopUpsInCycle(db, s.id, "integration", balance.integration.cycleStart) } : null;
      return { ...s, balance, autoUsed };
    }),
  );
  const seated = new Set(seats.map((s) => s.holderUserId));
  // Top-ups: owners and admins see every seat's; a member sees their own seat's.
  const lots = (await listLots(db, workspaceId)).filter((l) => role !== "member" || l.holderUserId === userId || l.accountType === "pool").map((l) => ({ ...l.lot, holderName: l.accountType === "pool" ? "Shared pool" : l.holderName, state: lotState(l.lot, now) }));
  const withoutSeat = role === "owner" ? (await listMembers(db, workspaceId)).filter((m) => !seated.has(m.userId)) : [];
  return {
    role,
    workspace: ws!,
    ownerName: owner?.name ?? "the owner",
    catalog,
    seats,
    withoutSeat: withoutSeat.map((m) => ({ userId: m.userId, name: m.name })),
    lots,
    packs: await db.select().from(topUpPacks).where(eq(topUpPacks.active, true)),
    monthlyCents: seats.reduce((sum, s) => sum + s.plan.priceCents, 0),
    nextTotalCents: nextTotal(seats, planById),
    nextBillingAt: ws!.billingAnchor ? cycleAt(ws!.billingAnchor, "monthly", now).end : null,
    payments: role === "member" ? null : await listPayments(db, { workspaceId, userId }),
    model: ws!.creditModel,
    pendingModel: ws!.pendingModel ? { to: ws!.pendingModel, planId: ws!.pendingModelPlanId, at: ws!.pendingModelAt! } : null,
  };
}

export type BillingView = Awaited<ReturnType<typeof getBillingView>>;

/** How a lot reads on the billing page. */
function lotState(lot: { used: number; credits: number; pausedAt: Date | null; expiresAt: Date }, now: Date) {
  if (lot.expiresAt <= now) return "expired" as const;
  if (lot.pausedAt) return "paused" as const;
  return lot.used >= lot.credits ? ("used up" as const) : ("active" as const);
}
