import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, memberUsage, workspaces } from "@/db/schema";
import type { KindBalance } from "./accounts";
import { formatCredits, type Millicredits } from "./amounts";
import { CHEAPEST } from "./costs";
import type { Cycle } from "./cycle";
import { crossedThresholds, notify } from "./notices";

/**
 * Member limits of a shared pool: each member's message credits in a cycle of the pool, capped
 * by the workspace's default or their own limit. The owner is never limited; a limit never goes
 * past the pool's own allowance. The member's row is locked before the pool's usage row (one
 * lock order, written in decisions.ts), so a message fits both or neither.
 */

export interface MemberLimit {
  /** The limit in force (millicredits a cycle); null: none. */
  limit: Millicredits | null;
  /** Where it comes from: the workspace's default, the member's own, or none (the owner, or nothing set). */
  source: "default" | "member" | "none";
}

export type MemberUsageRow = typeof memberUsage.$inferSelect;

/** Pure: the limit in force for a member, given the workspace's default and the member's override. */
export function effectiveLimit(
  args: { isOwner: boolean; defaultLimit: Millicredits | null; limitSet: boolean; ownLimit: Millicredits | null },
  poolAllowance: Millicredits,
): MemberLimit {
  if (args.isOwner) return { limit: null, source: "none" };
  const [limit, source] = args.limitSet ? [args.ownLimit, "member" as const] : [args.defaultLimit, "default" as const];
  if (limit === null) return { limit: null, source: args.limitSet ? "member" : "none" };
  return { limit: Math.min(limit, poolAllowance), source };
}

/** The limit in force for one member of a pool workspace (null when not a member). */
export async function memberLimitOf(db: Db, workspaceId: string, userId: string, poolAllowance: Millicredits): Promise<MemberLimit | null> {
  const [row] = await db
    .select({ ownerId: workspaces.ownerId, defaultLimit: workspaces.memberMessageLimit, limitSet: memberships.messageLimitSet, ownLimit: memberships.messageLimit })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  if (!row) return null;
  return effectiveLimit({ isOwner: row.ownerId === userId, defaultLimit: row.defaultLimit, limitSet: row.limitSet, ownLimit: row.ownLimit }, poolAllowance);
}

/** The member's row of this cycle, created on first touch and locked until the transaction ends. */
export async function lockMemberUsage(tx: Db, workspaceId: string, userId: string, cycle: Cycle, now: Date): Promise<MemberUsageRow> {
  const [row] = await tx
    .insert(memberUsage)
    .values({ workspaceId, userId, cycleStart: cycle.start, cycleEnd: cycle.end, updatedAt: now })
    .onConflictDoUpdate({ target: [memberUsage.workspaceId, memberUsage.userId, memberUsage.cycleStart], set: { updatedAt: sql`${memberUsage.updatedAt}` } })
    .returning();
  return row!;
}

/** Whether `amount` more fits the member's limit (always, without one). */
export function fitsLimit(row: Pick<MemberUsageRow, "messageUsed" | "messageReserved">, limit: MemberLimit, amount: Millicredits): boolean {
  return limit.limit === null || row.messageUsed + row.messageReserved + amount <= limit.limit;
}

/** Adds a charged or held message to the member's row (locked by lockMemberUsage in this transaction). */
export async function addMemberUse(tx: Db, key: { workspaceId: string; userId: string; cycleStart: Date }, amount: Millicredits, into: "used" | "reserved", now: Date) {
  const col = into === "used" ? memberUsage.messageUsed : memberUsage.messageReserved;
  await tx
    .update(memberUsage)
    .set({ [into === "used" ? "messageUsed" : "messageReserved"]: sql`${col} + ${amount}`, updatedAt: now })
    .where(and(eq(memberUsage.workspaceId, key.workspaceId), eq(memberUsage.userId, key.userId), eq(memberUsage.cycleStart, key.cycleStart)));
}

/** A settled hold: its part leaves `reserved`, and goes to `used` when confirmed. */
export async function settleMemberHold(tx: Db, key: { workspaceId: string; userId: string; cycleStart: Date }, amount: Millicredits, confirmed: boolean, now: Date) {
  await tx
    .update(memberUsage)
    .set({
      messageReserved: sql`${memberUsage.messageReserved} - ${amount}`,
      ...(confirmed ? { messageUsed: sql`${memberUsage.messageUsed} + ${amount}` } : {}),
      updatedAt: now,
    })
    .where(and(eq(memberUsage.workspaceId, key.workspaceId), eq(memberUsage.userId, key.userId), eq(memberUsage.cycleStart, key.cycleStart)));
}

/** The member's limit seen as a balance (what a limited member can still spend of it), for answers and refusals. */
export function limitBalance(row: Pick<MemberUsageRow, "messageUsed" | "messageReserved" | "cycleStart" | "cycleEnd">, limit: Millicredits): KindBalance {
  const remaining = Math.max(0, limit - row.messageUsed - row.messageReserved);
  return { kind: "message", allowance: limit, used: row.messageUsed, reserved: row.messageReserved, remaining, cycleStart: row.cycleStart, cycleEnd: row.cycleEnd, topUp: 0, topUpExpiresAt: null, available: remaining };
}

/**
 * A member told when their own use crosses 80% and 100% of their limit (once per threshold and
 * cycle, however many charges cross it at once: the notice's key is unique).
 */
export async function memberLimitNotices(
  tx: Db,
  args: { workspaceId: string; userId: string; cycleStart: Date; accountId: string; limit: MemberLimit; before: Millicredits; amount: Millicredits },
  now: Date,
) {
  if (args.limit.limit === null) return;
  for (const threshold of crossedThresholds(args.before, args.before + args.amount, args.limit.limit, CHEAPEST.message)) {
    const body =
      threshold >= 100
        ? `You have used your whole limit of ${formatCredits(args.limit.limit)} message credits in this workspace's shared pool for this cycle. An owner or admin can raise it.`
        : `You have used ${threshold}% of your limit of ${formatCredits(args.limit.limit)} message credits in this workspace's shared pool for this cycle.`;
    await notify(
      tx,
      { userId: args.userId, workspaceId: args.workspaceId, accountId: args.accountId, kind: "message", cycleStart: args.cycleStart, body, dedupeKey: `limit:${args.workspaceId}:${args.userId}:${args.cycleStart.toISOString()}:${threshold}`, href: "/settings/workspace" },
      now,
    );
  }
}

/** One member's allocation in a pool this cycle: their limit (and where it comes from), their use, what is left of it. */
export interface MemberAllocation {
  userId: string;
  limit: Millicredits | null;
  source: MemberLimit["source"];
  used: Millicredits;
  reserved: Millicredits;
  /** limit − used − reserved (never below 0); null without a limit. */
  remaining: Millicredits | null;
}

/** Every member's allocation in a pool's cycle, in two queries (members with their limits, then their rows). */
export async function memberAllocations(db: Db, workspaceId: string, poolAllowance: Millicredits, cycleStart: Date, onlyUserId?: string): Promise<Map<string, MemberAllocation>> {
  const who = (col: typeof memberships.userId | typeof memberUsage.userId) => (onlyUserId ? eq(col, onlyUserId) : undefined);
  const [members, rows] = await Promise.all([
    db
      .select({ userId: memberships.userId, ownerId: workspaces.ownerId, defaultLimit: workspaces.memberMessageLimit, limitSet: memberships.messageLimitSet, ownLimit: memberships.messageLimit })
      .from(memberships)
      .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
      .where(and(eq(memberships.workspaceId, workspaceId), who(memberships.userId))),
    db.select().from(memberUsage).where(and(eq(memberUsage.workspaceId, workspaceId), eq(memberUsage.cycleStart, cycleStart), who(memberUsage.userId))),
  ]);
  const byUser = new Map(rows.map((r) => [r.userId, r]));
  const out = new Map<string, MemberAllocation>();
  for (const m of members) {
    const limit = effectiveLimit({ isOwner: m.ownerId === m.userId, defaultLimit: m.defaultLimit, limitSet: m.limitSet, ownLimit: m.ownLimit }, poolAllowance);
    const row = byUser.get(m.userId);
    const used = row?.messageUsed ?? 0;
    const reserved = row?.messageReserved ?? 0;
    out.set(m.userId, { userId: m.userId, ...limit, used, reserved, remaining: limit.limit === null ? null : Math.max(0, limit.limit - used - reserved) });
  }
  return out;
}
