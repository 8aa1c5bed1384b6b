import { randomUUID } from "node:crypto";
import { addMonths } from "date-fns";
import { and, count, eq, gt, inArray, isNull, like, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, creditAccounts, planChanges, topUpLots, topUpPacks, workspaces, type LotParts } from "@/db/schema";
import { conflict, invalid } from "@/lib/errors";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";
import { cycleOf, getAccount, hasTopUps, type Account, type LotsLeft } from "./accounts";
import { formatCredits } from "./amounts";
import type { CreditKind } from "./costs";
import { activeSeatWorkspace, driveForRequest, enqueueDecision, findDecision, lockSeat, recordDecision, seatProblem, type DecisionApplier } from "./decisions";
import { notify } from "./notices";
import type { PaymentProvider } from "./payments";
import { configuredProvider } from "./providers";
import { MAX_PACKS_PER_PURCHASE, TOP_UP_VALIDITY_MONTHS } from "./plans";
import type { Cycle } from "./cycle";
import { kindBalance, usageColumns, type UsageRow } from "./usage";
import { lockLots, lockUsageRow } from "./locks";

/**
 * Top-ups: packs of credits bought for a paid seat, spent after the seat's cycle allowance,
 * the lot expiring first first. Expiry is a function of the time passed in, like cycles: no
 * job is needed for an expired lot to stop counting.
 */
export type Lot = typeof topUpLots.$inferSelect;

const usable = (accountId: string, kind: CreditKind, now: Date) =>
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

async function packOf(db: Db, kind: CreditKind) {
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
const isAuto = (change: { decisionKey: string | null }) => !!change.decisionKey?.startsWith(AUTO);

/**
 * Buys top-up packs for a paid seat: one decision, one charge (see decisions.ts). Recorded with
 * its job, then driven at once for the owner who waits; a slow provider leaves it to the job.
 * Several purchases for one seat may be on their way at the same time: each applies once.
 */
export async function buyTopUp(
  db: Db,
  args: { seatId: string; kind: CreditKind; packs: number; byUserId: string; decisionKey?: string },
  now: Date,
  provider: PaymentProvider = configuredProvider(),
): Promise<Lot> {
  const change = await recordTopUpPurchase(db, args, now);
  const done = await driveForRequest(db, change, { provider, applier: topUpApplier, now: () => now });
  return lotOf(db, done);
}

/** The first step alone: the purchase and its job recorded, nothing charged yet (the job pays). */
export async function recordTopUpPurchase(db: Db, args: { seatId: string; kind: CreditKind; packs: number; byUserId: string; decisionKey?: string }, now: Date) {
  if (!Number.isInteger(args.packs) || args.packs < 1 || args.packs > MAX_PACKS_PER_PURCHASE) {
    throw invalid(`Buy 1 to ${MAX_PACKS_PER_PURCHASE} packs at a time; for more, a bigger plan costs less.`);
  }
  const workspaceId = await activeSeatWorkspace(db, args.seatId, now);
  await requireRole(db, { workspaceId, userId: args.byUserId }, ["owner"], "buy top-ups");
  const pack = await packOf(db, args.kind);
  const decisionKey = args.decisionKey ?? randomUUID();
  return recordDecision(db, workspaceId, decisionKey, async (tx) => {
    const seat = await lockSeat(tx, args.seatId, now);
    const again = await findDecision(tx, workspaceId, decisionKey);
    if (again) return again;
    const [row] = await tx
      .insert(planChanges)
      .values({ workspaceId, accountId: seat.id, kind: "top_up", topUpKind: args.kind, packs: args.packs, amountCents: pack.priceCents * args.packs, status: "recorded", effectiveAt: now, requestedBy: args.byUserId, decisionKey, createdAt: now })
      .returning();
    return row!;
  });
}

async function lotOf(db: Db, change: { id: string }): Promise<Lot> {
  const [lot] = await db.select().from(topUpLots).where(eq(topUpLots.decisionId, change.id));
  if (!lot) throw conflict("This purchase is still being processed. Reload in a moment.");
  return lot;
}

async function ownerOf(db: Db, workspaceId: string): Promise<string> {
  const [ws] = await db.select({ ownerId: workspaces.ownerId }).from(workspaces).where(eq(workspaces.id, workspaceId));
  return ws!.ownerId;
}

/** What a top-up purchase does when it applies: a lot on the seat, the audit line, and notices. */
export const topUpApplier: DecisionApplier = {
  check: (tx, change, now) => seatProblem(tx, change.accountId, now),
  async apply(tx, change, now) {
    const kind = change.topUpKind as "message" | "integration";
    const pack = await packOf(tx, kind);
    const credits = pack.credits * (change.packs ?? 1);
    const auto = isAuto(change);
    await tx
      .insert(topUpLots)
      .values({ workspaceId: change.workspaceId, accountId: change.accountId!, kind, credits, purchasedAt: now, expiresAt: addMonths(now, TOP_UP_VALIDITY_MONTHS), source: auto ? "auto" : "purchase", decisionId: change.id, createdAt: now });
    await writeAudit(tx, {
      workspaceId: change.workspaceId,
      actorUserId: auto ? null : change.requestedBy,
      action: auto ? "top_up.auto_bought" : "top_up.bought",
      targetType: "seat",
      targetId: change.accountId,
      details: { kind, packs: change.packs, credits: formatCredits(credits), priceCents: change.amountCents },
      now,
    });
    const seat = await getAccount(tx, change.accountId!);
    const owner = await ownerOf(tx, change.workspaceId);
    const body = `${auto ? "Auto top-up bought" : "Top-up bought:"} ${formatCredits(credits)} ${kind} credits${seat.holderUserId ? "" : " for an unassigned seat"}, usable for 12 months.`;
    for (const userId of new Set([seat.holderUserId, auto ? owner : null])) {
      if (!userId) continue;
      await notify(tx, { userId, workspaceId: change.workspaceId, accountId: seat.id, kind, cycleStart: cycleOf(seat, now).start, body, dedupeKey: `top-up:${change.id}:${userId}`, href: "/settings/billing#top-ups" }, now);
    }
    return [seat.holderUserId];
  },
  async failed(tx, change, reason, now) {
    if (!isAuto(change)) return;
    const kind = change.topUpKind as "message" | "integration";
    // A declined automatic payment switches the rule off, and the owner hears at once.
    await tx
      .update(creditAccounts)
      .set({ autoTopUp: sql`jsonb_set(${creditAccounts.autoTopUp}, ${`{${kind}}`}::text[], (${creditAccounts.autoTopUp} -> ${kind}) || ${JSON.stringify({ enabled: false, disabledReason: reason })}::jsonb)` })
      .where(eq(creditAccounts.id, change.accountId!));
    const seat = await getAccount(tx, change.accountId!);
    await notify(
      tx,
      {
        userId: await ownerOf(tx, change.workspaceId),
        workspaceId: change.workspaceId,
        accountId: seat.id,
        kind,
        cycleStart: cycleOf(seat, now).start,
        body: `Auto top-up of ${kind} credits was switched off: the payment was declined (${reason}). Nothing was charged. Turn it on again once the card works.`,
        dedupeKey: `auto-failed:${change.id}`,
        href: "/settings/billing#top-ups",
      },
      now,
    );
  },
};

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
  await enqueueDecision(tx, row.id);
  return row.id;
}
