import { and, desc, eq, isNotNull, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { creditAccounts, planChanges, plans, users, workspaces } from "@/db/schema";
import { notFound } from "@/lib/errors";
import { requireRole } from "@/lib/workspaces/roles";

/**
 * Billing → Payment history: every charge the provider took for an owner's decision (a seat, an
 * upgrade, a pool, top-ups) and every refund of one (a paid decision that could not apply),
 * newest first. Read from the decisions themselves: a decision with a provider reference was
 * charged; one with a refund reference was refunded. Owners and admins see it.
 */
export interface Payment {
  /** The decision's id; a refund line shares its charge's id. */
  id: string;
  type: "charge" | "refund";
  what: string;
  /** Whose seat it was for, "Shared pool", or null (a seat not yet assigned). */
  seat: string | null;
  /** Cents; a refund is negative. */
  amountCents: number;
  /** "needs confirmation": the payer's bank asked the owner to confirm it; nothing is charged until they do. */
  status: "paid" | "processing" | "needs confirmation" | "refund due" | "refunded";
  at: Date;
  providerRef: string;
}

const holder = alias(users, "holder");
const buyer = alias(users, "buyer");
const toPlan = alias(plans, "to_plan");

function query(db: Db, workspaceId: string, id?: string) {
  return db
    .select({
      change: planChanges,
      holderName: holder.name,
      accountType: creditAccounts.type,
      planName: toPlan.name,
      buyerName: buyer.name,
      workspaceName: workspaces.name,
    })
    .from(planChanges)
    .innerJoin(workspaces, eq(workspaces.id, planChanges.workspaceId))
    .innerJoin(buyer, eq(buyer.id, planChanges.requestedBy))
    .leftJoin(creditAccounts, eq(creditAccounts.id, planChanges.accountId))
    .leftJoin(holder, eq(holder.id, sql`coalesce(${creditAccounts.holderUserId}, ${planChanges.holderUserId})`))
    .leftJoin(toPlan, eq(toPlan.id, planChanges.toPlanId))
    .where(
      and(
        eq(planChanges.workspaceId, workspaceId),
        or(isNotNull(planChanges.providerRef), and(eq(planChanges.status, "paying"), isNotNull(planChanges.needsActionAt))),
        id ? eq(planChanges.id, id) : undefined,
      ),
    );
}

type Row = Awaited<ReturnType<typeof query>>[number];

/** What a decision bought, in words. */
export function paymentWhat(r: Pick<Row, "change" | "planName">): string {
  const c = r.change;
  const plan = r.planName ?? c.toPlanId ?? "";
  if (c.kind === "top_up") return `${c.packs} ${c.topUpKind} top-up pack${c.packs === 1 ? "" : "s"}`;
  if (c.kind === "add_seat") return `New ${plan} seat`;
  if (c.kind === "start_pool") return `${plan} shared pool`;
  return `Upgrade to ${plan}`;
}

function lines(r: Row): Payment[] {
  const c = r.change;
  const what = paymentWhat(r);
  const seat = r.accountType === "pool" || c.kind === "start_pool" ? "Shared pool" : (r.holderName ?? null);
  const status: Payment["status"] =
    c.status === "voided" || c.status === "failed" ? (c.refundRef ? "refunded" : "refund due") : c.status === "applied" ? "paid" : c.needsActionAt && !c.providerRef ? "needs confirmation" : "processing";
  const charge: Payment = { id: c.id, type: "charge", what, seat, amountCents: c.amountCents ?? 0, status, at: c.createdAt, providerRef: c.providerRef ?? "" };
  if (!c.refundRef) return [charge];
  return [{ id: c.id, type: "refund", what: `Refund: ${what}`, seat, amountCents: -(c.amountCents ?? 0), status: "refunded", at: c.updatedAt ?? c.settledAt ?? c.createdAt, providerRef: c.refundRef }, charge];
}

export async function listPayments(db: Db, { workspaceId, userId }: { workspaceId: string; userId: string }): Promise<Payment[]> {
  await requireRole(db, { workspaceId, userId }, ["owner", "admin"], "see payments");
  const rows = await query(db, workspaceId).orderBy(desc(planChanges.createdAt));
  return rows.flatMap(lines).sort((a, b) => b.at.getTime() - a.at.getTime());
}

/** One charge's receipt: what was bought, by whom, for how much, when, and the provider's reference. */
export async function getReceipt(db: Db, { workspaceId, userId, id }: { workspaceId: string; userId: string; id: string }) {
  await requireRole(db, { workspaceId, userId }, ["owner", "admin"], "see receipts");
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("Receipt");
  const [row] = await query(db, workspaceId, id);
  if (!row) throw notFound("Receipt");
  const all = lines(row);
  return { workspaceName: row.workspaceName, buyerName: row.buyerName, charge: all.find((l) => l.type === "charge")!, refund: all.find((l) => l.type === "refund") ?? null };
}
