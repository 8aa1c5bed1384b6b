import { randomUUID } from "node:crypto";
import { addMonths } from "date-fns";
import { and, asc, count, eq, gt, gte, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, creditAccounts, planChanges, topUpLots, topUpPacks, workspaces, type LotParts } from "@/db/schema";
import { conflict, invalid } from "@/lib/errors";
import { publishChange } from "@/lib/events";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";
import { cycleOf, type Account, type LotsLeft } from "./accounts";
import { formatCredits } from "./amounts";
import type { CreditKind } from "./costs";
import { activeSeatWorkspace, claim, findDecision, lockSeat, pay, recordDecision, settled } from "./decisions";
import { notify } from "./notices";
import { testModeProvider, type PaymentProvider } from "./payments";
import { MAX_PACKS_PER_PURCHASE, TOP_UP_VALIDITY_MONTHS } from "./plans";
import type { Cycle } from "./cycle";
import { kindBalance, usageColumns, type UsageRow } from "./usage";

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
 * Takes `need` credits from the account's usable lots, earliest expiry first, or nothing
 * (null) when they do not hold that much. The lots are locked in one order (expiry, id), so
 * concurrent charges queue instead of deadlocking, and none can take a lot below zero.
 */
export async function drawFromLots(tx: Db, accountId: string, kind: CreditKind, need: number, now: Date): Promise<LotParts | null> {
  const lots = await tx
    .select({ id: topUpLots.id, left: sql<string>`${topUpLots.credits} - ${topUpLots.used}` })
    .from(topUpLots)
    .where(usable(accountId, kind, now))
    .orderBy(asc(topUpLots.expiresAt), asc(topUpLots.id))
    .for("update");
  const parts: LotParts = [];
  let owed = need;
  for (const lot of lots) {
    if (owed === 0) break;
    const take = Math.min(Number(lot.left), owed);
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
  if (account.type !== "seat") return null;
  const [row] = await tx
    .select()
    .from(accountUsage)
    .where(and(eq(accountUsage.accountId, account.id), eq(accountUsage.cycleStart, cycle.start)))
    .for("update");
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

/**
 * Buys top-up packs for a paid seat: one decision, one charge (see decisions.ts). The owner
 * decides; an auto top-up is the owner's standing decision, bought by the system (`byUserId`
 * null) under a key derived from the crossing, so concurrent crossings buy once.
 */
export async function buyTopUp(
  db: Db,
  args: { seatId: string; kind: CreditKind; packs: number; byUserId: string | null; decisionKey?: string },
  now: Date,
  provider: PaymentProvider = testModeProvider,
): Promise<Lot> {
  if (!Number.isInteger(args.packs) || args.packs < 1 || args.packs > MAX_PACKS_PER_PURCHASE) {
    throw invalid(`Buy 1 to ${MAX_PACKS_PER_PURCHASE} packs at a time; for more, a bigger plan costs less.`);
  }
  const workspaceId = await activeSeatWorkspace(db, args.seatId, now);
  if (args.byUserId) await requireRole(db, { workspaceId, userId: args.byUserId }, ["owner"], "buy top-ups");
  const pack = await packOf(db, args.kind);
  const [ws] = await db.select({ ownerId: workspaces.ownerId }).from(workspaces).where(eq(workspaces.id, workspaceId));
  const decisionKey = args.decisionKey ?? randomUUID();
  const auto = args.byUserId === null;
  const change = await recordDecision(db, workspaceId, decisionKey, async (tx) => {
    const seat = await lockSeat(tx, args.seatId, now);
    const again = await findDecision(tx, workspaceId, decisionKey);
    if (again) return again;
    const [row] = await tx
      .insert(planChanges)
      .values({
        workspaceId,
        accountId: seat.id,
        kind: "top_up",
        topUpKind: args.kind,
        packs: args.packs,
        amountCents: pack.priceCents * args.packs,
        status: "paying",
        effectiveAt: now,
        requestedBy: args.byUserId ?? ws!.ownerId,
        decisionKey,
        createdAt: now,
      })
      .returning();
    return row!;
  });
  if (change.status !== "paying") return lotOf(db, settled(change));
  const credits = pack.credits * (change.packs ?? args.packs);
  const ref = await pay(db, change, `${change.packs} × ${formatCredits(pack.credits)} ${args.kind} credits`, provider, now);
  return db.transaction(async (tx) => {
    const claimed = await claim(tx, change, ref, now);
    if (!claimed) return lotOf(tx, (await findDecision(tx, workspaceId, decisionKey))!);
    const [lot] = await tx
      .insert(topUpLots)
      .values({ workspaceId, accountId: change.accountId!, kind: args.kind, credits, purchasedAt: now, expiresAt: addMonths(now, TOP_UP_VALIDITY_MONTHS), source: auto ? "auto" : "purchase", decisionId: change.id, createdAt: now })
      .returning();
    await writeAudit(tx, {
      workspaceId,
      actorUserId: args.byUserId,
      action: auto ? "top_up.auto_bought" : "top_up.bought",
      targetType: "seat",
      targetId: change.accountId,
      details: { kind: args.kind, packs: change.packs, credits: formatCredits(credits), priceCents: change.amountCents },
      now,
    });
    const [holder] = await tx.select({ id: creditAccounts.holderUserId }).from(creditAccounts).where(eq(creditAccounts.id, change.accountId!));
    publishChange([holder?.id]);
    return lot!;
  });
}

async function lotOf(db: Db, change: { id: string }): Promise<Lot> {
  const [lot] = await db.select().from(topUpLots).where(eq(topUpLots.decisionId, change.id));
  if (!lot) throw conflict("This purchase is still being processed. Reload in a moment.");
  return lot;
}

/**
 * After a charge: when what the seat can still spend fell below the owner's threshold, buy
 * their packs — exactly once per crossing however many charges cross at once (they compute the
 * same key: the n-th automatic purchase of this cycle), at most `maxPerCycle` times. A failed
 * payment switches auto top-up off and tells the owner.
 */
export async function maybeAutoTopUp(db: Db, account: Account, kind: CreditKind, available: number, now: Date, provider: PaymentProvider = testModeProvider): Promise<Lot | null> {
  const rule = account.autoTopUp?.[kind as "message" | "integration"];
  if (!rule?.enabled || account.type !== "seat" || account.status !== "active" || available >= rule.threshold) return null;
  const cycle = cycleOf(account, now);
  const [done] = await db
    .select({ n: count() })
    .from(topUpLots)
    .where(and(eq(topUpLots.accountId, account.id), eq(topUpLots.kind, kind), eq(topUpLots.source, "auto"), gte(topUpLots.purchasedAt, cycle.start)));
  const n = (done?.n ?? 0) + 1;
  if (n > rule.maxPerCycle) return null;
  try {
    return await buyTopUp(db, { seatId: account.id, kind, packs: rule.packs, byUserId: null, decisionKey: `auto:${account.id}:${kind}:${cycle.start.toISOString()}:${n}` }, now, provider);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "conflict") throw err;
    // The payment failed (or the seat changed under it): switch it off and say so, once.
    await db
      .update(creditAccounts)
      .set({ autoTopUp: sql`jsonb_set(${creditAccounts.autoTopUp}, ${`{${kind}}`}::text[], (${creditAccounts.autoTopUp} -> ${kind}) || ${JSON.stringify({ enabled: false, disabledReason: (err as Error).message })}::jsonb)` })
      .where(eq(creditAccounts.id, account.id));
    const [ws] = await db.select({ ownerId: workspaces.ownerId }).from(workspaces).where(eq(workspaces.id, account.workspaceId!));
    await notify(
      db,
      {
        userId: ws!.ownerId,
        workspaceId: account.workspaceId!,
        accountId: account.id,
        kind,
        cycleStart: cycle.start,
        body: `Auto top-up of ${kind} credits failed and was switched off: ${(err as Error).message}`,
        dedupeKey: `auto-failed:${account.id}:${kind}:${cycle.start.toISOString()}:${n}`,
        href: "/settings/billing#top-ups",
      },
      now,
    );
    return null;
  }
}
