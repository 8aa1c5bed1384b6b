/** Top-up settings: the lots of a workspace, auto top-up rules, moving paused lots, an operator's grant. */
import { addMonths } from "date-fns";
import { and, asc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { type AutoTopUp, creditAccounts, topUpLots, users } from "@/db/schema";
import { formatCredits } from "@/lib/credits/amounts";
import type { CreditKind } from "@/lib/credits/costs";
import { activeSeatWorkspace, lockSeat } from "@/lib/billing/decisions/seat-rules";
import { MAX_PACKS_PER_PURCHASE, TOP_UP_VALIDITY_MONTHS } from "@/lib/credits/plans";
import type { Lot } from "@/lib/credits/lots";
import { conflict, invalid, notFound } from "@/lib/errors";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";

/** Owners' and support's handling of top-ups: listing, auto top-up, moving paused lots, grants. */

/** Every lot of a workspace's seats and pool (paused ones included), with the seat's holder. */
export async function listLots(db: Db, workspaceId: string) {
  return db
    .select({ lot: topUpLots, holderName: users.name, holderUserId: creditAccounts.holderUserId, seatStatus: creditAccounts.status, accountType: creditAccounts.type })
    .from(topUpLots)
    .innerJoin(creditAccounts, eq(creditAccounts.id, topUpLots.accountId))
    .leftJoin(users, eq(users.id, creditAccounts.holderUserId))
    .where(eq(topUpLots.workspaceId, workspaceId))
    .orderBy(asc(topUpLots.expiresAt), asc(topUpLots.id));
}

/** Sets (or switches off) auto top-up for one kind of a seat. Owners only. */
export async function setAutoTopUp(
  db: Db,
  args: { seatId: string; kind: "message" | "integration"; rule: Omit<AutoTopUp, "disabledReason">; byUserId: string },
  now: Date,
) {
  const workspaceId = await activeSeatWorkspace(db, args.seatId, now);
  await requireRole(db, { workspaceId, userId: args.byUserId }, ["owner"], "set auto top-up");
  const { enabled, threshold, packs, maxPerCycle } = args.rule;
  if (!Number.isInteger(packs) || packs < 1 || packs > MAX_PACKS_PER_PURCHASE) throw invalid(`Choose 1 to ${MAX_PACKS_PER_PURCHASE} packs.`);
  if (!Number.isInteger(maxPerCycle) || maxPerCycle < 1 || maxPerCycle > 10) throw invalid("Allow 1 to 10 automatic purchases a cycle.");
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw invalid("Set the threshold to at least 0.001 credits.");
  const rule: AutoTopUp = { enabled, threshold, packs, maxPerCycle, disabledReason: null };
  return db.transaction(async (tx) => {
    await lockSeat(tx, args.seatId, now);
    await tx
      .update(creditAccounts)
      .set({ autoTopUp: sql`coalesce(${creditAccounts.autoTopUp}, '{}'::jsonb) || ${JSON.stringify({ [args.kind]: rule })}::jsonb` })
      .where(eq(creditAccounts.id, args.seatId));
    await writeAudit(tx, {
      workspaceId,
      actorUserId: args.byUserId,
      action: "top_up.auto_changed",
      targetType: "seat",
      targetId: args.seatId,
      details: enabled ? { kind: args.kind, below: formatCredits(threshold), packs, atMostPerCycle: maxPerCycle } : { kind: args.kind, switchedOff: true },
      now,
    });
    return rule;
  });
}

/** Moves paused lots (of a seat that ended) to an active seat of the same workspace. Owners only. */
export async function moveLots(db: Db, args: { lotIds: string[]; toSeatId: string; byUserId: string }, now: Date): Promise<number> {
  if (args.lotIds.length === 0) throw invalid("Choose the top-ups to move.");
  const workspaceId = await activeSeatWorkspace(db, args.toSeatId, now);
  await requireRole(db, { workspaceId, userId: args.byUserId }, ["owner"], "move top-ups");
  return db.transaction(async (tx) => {
    await lockSeat(tx, args.toSeatId, now);
    const moved = await tx
      .update(topUpLots)
      .set({ accountId: args.toSeatId, pausedAt: null })
      .where(and(inArray(topUpLots.id, args.lotIds), eq(topUpLots.workspaceId, workspaceId), isNotNull(topUpLots.pausedAt)))
      .returning({ id: topUpLots.id, kind: topUpLots.kind });
    if (moved.length !== args.lotIds.length) throw conflict("Some of these top-ups are not paused in this workspace any more. Reload and try again.");
    await writeAudit(tx, { workspaceId, actorUserId: args.byUserId, action: "top_up.moved", targetType: "seat", targetId: args.toSeatId, details: { lots: moved.length }, now });
    return moved.length;
  });
}

/** Support's grant (the CLI): credits for a seat or a workspace's pool, as a lot, audit-logged with the reason. */
export async function grantTopUp(db: Db, args: { seatId: string; kind: CreditKind; credits: number; reason: string }, now: Date): Promise<Lot> {
  if (!Number.isSafeInteger(args.credits) || args.credits < 1) throw invalid("Grant a positive number of credits.");
  const [seat] = await db.select().from(creditAccounts).where(and(eq(creditAccounts.id, args.seatId), inArray(creditAccounts.type, ["seat", "pool"]), eq(creditAccounts.status, "active")));
  if (!seat?.workspaceId) throw notFound("An active paid seat or pool");
  return db.transaction(async (tx) => {
    const [lot] = await tx
      .insert(topUpLots)
      .values({ workspaceId: seat.workspaceId!, accountId: seat.id, kind: args.kind, credits: args.credits, purchasedAt: now, expiresAt: addMonths(now, TOP_UP_VALIDITY_MONTHS), source: "grant", createdAt: now })
      .returning();
    await writeAudit(tx, { workspaceId: seat.workspaceId!, actorUserId: null, action: "top_up.granted", targetType: "seat", targetId: seat.id, details: { kind: args.kind, credits: formatCredits(args.credits), reason: args.reason }, now });
    return lot!;
  });
}
