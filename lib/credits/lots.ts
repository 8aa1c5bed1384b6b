/** Top-up lots as the engine spends them: what is left, locked and drawn earliest expiry first, given back; an auto top-up recorded at its crossing. */
import { and, count, eq, gt, inArray, isNull, like, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, type LotParts, planChanges, topUpLots, topUpPacks, workspaces } from "@/db/schema";
import { type Account, hasTopUps, type LotsLeft } from "./accounts";
import type { CreditKind } from "./costs";
import type { Cycle } from "./cycle";
import { enqueue, QUEUES } from "@/lib/jobs/queue";
import { lockLots, lockUsageRow } from "./locks";
import { kindBalance, usageColumns, type UsageRow } from "./usage";
import { invalid } from "@/lib/errors";

/**
 * Top-ups: packs of credits bought for a paid seat, spent after the seat's cycle allowance,
 * the lot expiring first first. Expiry is a function of the time passed in, like cycles: no
 * job is needed for an expired lot to stop counting.
 */
export type Lot = typeof topUpLots.$inferSelect;

export const usable = (accountId: string, kind: CreditKind, now: Date) =>
  and(eq(topUpLots.accountId, accountId), eq(topUpLots.kind, kind), isNull(topUpLots.pausedAt), gt(topUpLots.expiresAt, now), lt(topUpLots.used, topUpLots.credits));

/** What is left of an account's usable top-ups, per kind, in one query. */
export async function lotsLeft(db: Db, accountId: string, now: Date): Promise<Record<CreditKind, LotsLeft>> {
  const rows = await db
    .select({ kind: topUpLots.kind, remaining: sql<string>`sum(${topUpLots.credits} - ${topUpLots.used})`, next: sql<Date | string | null>`min(${topUpLots.expiresAt})` })
    .from(topUpLots)
    .where(and(eq(topUpLots.accountId, accountId), isNull(topUpLots.pausedAt), gt(topUpLots.expiresAt, now), lt(topUpLots.used, topUpLots.credits)))
    .groupBy(topUpLots.kind);
  const out: Record<CreditKind, LotsLeft> = { message: { remaining: 0, nextExpiresAt: null }, integration: { remaining: 0, nextExpiresAt: null } };
  for (const r of rows) {
    if (r.kind === "none") continue;
    out[r.kind] = { remaining: Number(r.remaining), nextExpiresAt: r.next ? new Date(r.next) : null };
  }
  return out;
}

/** The same for many accounts at once (a workspace's members), keyed by account id. */
export async function lotsLeftMany(db: Db, accountIds: string[], now: Date): Promise<Map<string, Record<CreditKind, LotsLeft>>> {
  const out = new Map<string, Record<CreditKind, LotsLeft>>();
  if (accountIds.length === 0) return out;
  const rows = await db
    .select({ accountId: topUpLots.accountId, kind: topUpLots.kind, remaining: sql<string>`sum(${topUpLots.credits} - ${topUpLots.used})`, next: sql<Date | string | null>`min(${topUpLots.expiresAt})` })
    .from(topUpLots)
    .where(and(inArray(topUpLots.accountId, accountIds), isNull(topUpLots.pausedAt), gt(topUpLots.expiresAt, now), lt(topUpLots.used, topUpLots.credits)))
    .groupBy(topUpLots.accountId, topUpLots.kind);
  for (const r of rows) {
    if (r.kind === "none") continue;
    const entry = out.get(r.accountId) ?? { message: { remaining: 0, nextExpiresAt: null }, integration: { remaining: 0, nextExpiresAt: null } };
    entry[r.kind] = { remaining: Number(r.remaining), nextExpiresAt: r.next ? new Date(r.next) : null };
    out.set(r.accountId, entry);
  }
  return out;
}

/**
 * The account's usable lots of a kind, locked in the one order every charge takes them (expiry,
 * then id) and in the order they are spent.
 */
export function lockUsableLots(tx: Db, accountId: string, kind: CreditKind, now: Date) {
  return lockLots(tx, usable(accountId, kind, now));
}

/**
 * Takes `need` credits from the account's usable lots, earliest expiry first, or nothing
 * (null) when they do not hold that much. The lots are locked in one order (expiry, id), so
 * concurrent charges queue instead of deadlocking, and none can take a lot below zero.
 */
export async function drawFromLots(tx: Db, accountId: string, kind: CreditKind, need: number, now: Date): Promise<LotParts | null> {
  const lots = await lockUsableLots(tx, accountId, kind, now);
  const parts: LotParts = [];
  let owed = need;
  for (const lot of lots) {
    if (owed === 0) break;
    const take = Math.min(lot.credits - lot.used, owed);
    parts.push({ lotId: lot.id, amount: take });
    owed -= take;
  }
  if (owed > 0) return null;
  for (const p of parts) {
    await tx.update(topUpLots).set({ used: sql`${topUpLots.used} + ${p.amount}` }).where(eq(topUpLots.id, p.lotId));
  }
  return parts;
}

/**
 * A charge the cycle allowance cannot cover alone: what is left of the allowance, then the
 * lots. The usage row is locked before the lots (always in that order), and the whole amount
 * is taken or nothing is. Free allowances have no lots.
 */
export async function takeWithLots(tx: Db, account: Account, cycle: Cycle, kind: CreditKind, amount: number, into: "used" | "reserved", now: Date) {
  if (!hasTopUps(account)) return null;
  const row = await lockUsageRow(tx, account.id, cycle.start);
  if (!row) return null;
  const fromAllowance = Math.max(0, Math.min(amount, kindBalance(row, kind).remaining));
  const lotParts = await drawFromLots(tx, account.id, kind, amount - fromAllowance, now);
  if (!lotParts) return null;
  let after: UsageRow = row;
  if (fromAllowance > 0) {
    const c = usageColumns[kind];
    const field = { message: { used: "messageUsed", reserved: "messageReserved" }, integration: { used: "integrationUsed", reserved: "integrationReserved" } }[kind as "message" | "integration"][into];
    [after] = (await tx
      .update(accountUsage)
      .set({ [field]: sql`${c[into]} + ${fromAllowance}`, updatedAt: now })
      .where(and(eq(accountUsage.accountId, account.id), eq(accountUsage.cycleStart, cycle.start)))
      .returning()) as [UsageRow];
  }
  return { row: after, fromAllowance, lotParts };
}

/** Gives each part back to the lot it came from (a released reservation). */
export async function returnToLots(tx: Db, parts: LotParts | null | undefined): Promise<void> {
  for (const p of parts ?? []) {
    await tx.update(topUpLots).set({ used: sql`${topUpLots.used} - ${p.amount}` }).where(eq(topUpLots.id, p.lotId));
  }
}

export async function packOf(db: Db, kind: CreditKind) {
  const [pack] = await db.select().from(topUpPacks).where(and(eq(topUpPacks.kind, kind), eq(topUpPacks.active, true)));
  if (!pack) throw invalid("There are no top-up packs of that kind.");
  return pack;
}

const AUTO = "auto:";

const autoPrefix = (accountId: string, kind: CreditKind, cycleStart: Date) => `${AUTO}${accountId}:${kind}:${cycleStart.toISOString()}:`;

/** How many automatic top-ups of a kind a seat has had in the cycle (each counts toward its rule's maximum, declined ones too). */
export async function autoTopUpsInCycle(db: Db, accountId: string, kind: CreditKind, cycleStart: Date): Promise<number> {
  const [done] = await db
    .select({ n: count() })
    .from(planChanges)
    .where(and(eq(planChanges.accountId, accountId), like(planChanges.decisionKey, `${autoPrefix(accountId, kind, cycleStart)}%`)));
  return done?.n ?? 0;
}

export const isAuto = (change: { decisionKey: string | null }) => !!change.decisionKey?.startsWith(AUTO);

export async function ownerOf(db: Db, workspaceId: string): Promise<string> {
  const [ws] = await db.select({ ownerId: workspaces.ownerId }).from(workspaces).where(eq(workspaces.id, workspaceId));
  return ws!.ownerId;
}

/**
 * Inside a charge's transaction: when what the seat can spend fell across the owner's auto
 * top-up threshold (from at or above it to below it), record the purchase and its job. Charges
 * of one seat queue on its usage row, so exactly one charge sees each crossing; the n-th
 * crossing of a cycle has its own decision key (unique), so a retried charge cannot add one.
 */
export async function recordAutoTopUp(tx: Db, account: Account, args: { kind: CreditKind; before: number; after: number; cycleStart: Date }, now: Date): Promise<string | null> {
  const rule = account.autoTopUp?.[args.kind as "message" | "integration"];
  if (!rule?.enabled || !hasTopUps(account) || account.status !== "active" || !account.workspaceId) return null;
  if (!(args.before >= rule.threshold && args.after < rule.threshold)) return null;
  const prefix = autoPrefix(account.id, args.kind, args.cycleStart);
  const n = (await autoTopUpsInCycle(tx, account.id, args.kind, args.cycleStart)) + 1;
  if (n > rule.maxPerCycle) return null;
  const pack = await packOf(tx, args.kind);
  const [row] = await tx
    .insert(planChanges)
    .values({
      workspaceId: account.workspaceId,
      accountId: account.id,
      kind: "top_up",
      topUpKind: args.kind,
      packs: rule.packs,
      amountCents: pack.priceCents * rule.packs,
      status: "recorded",
      effectiveAt: now,
      requestedBy: await ownerOf(tx, account.workspaceId),
      decisionKey: `${prefix}${n}`,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: planChanges.id });
  if (!row) return null;
  // The narrow insert the engine makes for billing: the decision row and its job, in the crossing
  // charge's transaction; billing's job pays for it and applies it (its own id: one job).
  await enqueue(tx, QUEUES.decision, { decisionId: row.id }, { id: row.id });
  return row.id;
}
