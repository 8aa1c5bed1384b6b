import { and, asc, desc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { auditLog, creditAccounts, plans, users, workspaces } from "@/db/schema";
import { cycleAt } from "@/lib/credits/cycle";
import { getAccountBalance } from "@/lib/credits/balance";
import { getAccount } from "@/lib/credits/accounts";
import { scheduledChanges, settleWorkspaceDueChanges } from "@/lib/credits/plan-changes";
import { requireRole } from "@/lib/workspaces/roles";

/**
 * Everything the billing and members pages show about paid seats: each seat with its plan,
 * holder, this cycle's balance and any pending change, the catalog, the monthly total and
 * the next billing date. Due scheduled changes are applied first.
 */
export async function getBillingView(db: Db, workspaceId: string, viewerId: string, now: Date) {
  const role = await requireRole(db, { workspaceId: workspaceId, userId: viewerId }, ["owner", "admin", "member"], "see billing");
  await settleWorkspaceDueChanges(db, workspaceId, now);
  const [ws] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
  const [owner] = await db.select({ name: users.name }).from(users).where(eq(users.id, ws!.ownerId));
  const catalog = await db.select().from(plans).where(eq(plans.active, true)).orderBy(asc(plans.rank));
  const planById = new Map(catalog.map((p) => [p.id, p]));
  const holder = alias(users, "holder");
  const seatRows = await db
    .select({ id: creditAccounts.id, planId: creditAccounts.planId, holderUserId: creditAccounts.holderUserId, holderName: holder.name, createdAt: creditAccounts.createdAt })
    .from(creditAccounts)
    .leftJoin(holder, eq(holder.id, creditAccounts.holderUserId))
    .where(and(eq(creditAccounts.workspaceId, workspaceId), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")))
    .orderBy(asc(creditAccounts.createdAt));
  const pending = await scheduledChanges(db, workspaceId);
  const seats = await Promise.all(
    seatRows.map(async (s) => {
      const balance = await getAccountBalance(db, await getAccount(db, s.id), now);
      const plan = planById.get(s.planId)!;
      return { ...s, plan, balance, pending: pending.find((p) => p.accountId === s.id) ?? null };
    }),
  );
  const monthlyCents = seats.reduce((sum, s) => sum + s.plan.priceCents, 0);
  const nextTotalCents = seats.reduce((sum, s) => {
    if (!s.pending) return sum + s.plan.priceCents;
    if (s.pending.kind === "downgrade" && s.pending.toPlanId) return sum + planById.get(s.pending.toPlanId)!.priceCents;
    return sum;
  }, 0);
  const nextBillingAt = ws!.billingAnchor ? cycleAt(ws!.billingAnchor, "monthly", now).end : null;
  return { role, workspace: ws!, ownerName: owner?.name ?? "the owner", catalog, seats, monthlyCents, nextTotalCents, nextBillingAt };
}

export type BillingView = Awaited<ReturnType<typeof getBillingView>>;

/** The audit log, newest first, for owners and admins. */
export async function listAudit(db: Db, workspaceId: string, viewerId: string, limit = 200) {
  await requireRole(db, { workspaceId: workspaceId, userId: viewerId }, ["owner", "admin"], "see the audit log");
  return db
    .select({ id: auditLog.id, createdAt: auditLog.createdAt, action: auditLog.action, targetType: auditLog.targetType, targetId: auditLog.targetId, details: auditLog.details, actorName: users.name })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(eq(auditLog.workspaceId, workspaceId))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(limit);
}

export function formatPrice(cents: number) {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: cents % 100 === 0 ? 0 : 2 }).format(cents / 100);
}
