import type { Db } from "@/db/client";
import { and, eq, inArray } from "drizzle-orm";
import { memberships, notifications, workspaces } from "@/db/schema";
import { appLink, queueMailToUser } from "@/lib/mail";
import { formatCredits, type Millicredits } from "./amounts";
import { CHEAPEST, type CreditKind } from "./costs";

export const THRESHOLDS = [80, 100] as const;

/**
 * Thresholds (percent of allowance) that usage crossed going from `before` to `after`. Pure.
 * 100% means "nothing left to spend": less than `cheapest` (the cheapest action of the kind)
 * remaining counts as used up, so 0.1 left of a kind whose cheapest action costs 0.3 is 100%.
 */
export function crossedThresholds(before: Millicredits, after: Millicredits, allowance: Millicredits, cheapest = 1): number[] {
  if (allowance <= 0 || after <= before) return [];
  const reached = (used: Millicredits, t: number) => (t === 100 ? allowance - used < cheapest : used * 100 >= t * allowance);
  // Integer comparisons: used*100 >= t*allowance, with no division.
  return THRESHOLDS.filter((t) => !reached(before, t) && reached(after, t));
}

/**
 * Records the notices for thresholds a charge crossed. The unique index on
 * (account, cycle, kind, threshold) makes this exactly-once even when two debits that both
 * cross a threshold commit at the same moment: the second insert does nothing.
 */
export async function recordThresholdNotices(
  db: Db,
  args: {
    accountId: string;
    holderUserId: string | null;
    /** A workspace's shared pool: its owner and admins are told, each once per threshold. */
    pool?: boolean;
    workspaceId: string | null;
    kind: CreditKind;
    cycleStart: Date;
    before: Millicredits;
    after: Millicredits;
    allowance: Millicredits;
    now: Date;
    /** Top-up credits of the kind still there after the charge: the notice says the plan's part is used, not everything. */
    topUpLeft?: Millicredits;
  },
): Promise<number[]> {
  const crossed = crossedThresholds(args.before, args.after, args.allowance, CHEAPEST[args.kind]);
  if (crossed.length === 0 || (!args.holderUserId && !args.pool)) return [];
  const [ws] = args.workspaceId ? await db.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, args.workspaceId)) : [];
  const where = ws ? ` in ${ws.name}` : "";
  if (args.pool && args.workspaceId) return poolNotices(db, { ...args, workspaceId: args.workspaceId, name: ws?.name ?? "this workspace" }, crossed);
  const rows = await db
    .insert(notifications)
    .values(
      crossed.map((threshold) => ({
        userId: args.holderUserId!,
        workspaceId: args.workspaceId,
        accountId: args.accountId,
        kind: args.kind,
        threshold,
        cycleStart: args.cycleStart,
        body: thresholdText(threshold, args.kind, where, args.topUpLeft ?? 0),
        href: "/settings/workspace",
        createdAt: args.now,
      })),
    )
    .onConflictDoNothing()
    .returning({ threshold: notifications.threshold });
  // Running out is worth an email too: once, with the notice (its insert is what makes it once).
  if (rows.some((r) => r.threshold === 100)) {
    await queueMailToUser(
      db,
      args.holderUserId!,
      { key: `out:${args.accountId}:${args.cycleStart.toISOString()}:${args.kind}`, workspaceId: args.workspaceId, subject: `You have used all of your ${args.kind} credits${where}`, text: `${thresholdText(100, args.kind, where, args.topUpLeft ?? 0)}\n\nYour credits: ${appLink("/settings/workspace")}` },
      args.now,
    );
  }
  return rows.map((r) => r.threshold!);
}

function thresholdText(threshold: number, kind: CreditKind, where: string, topUpLeft: Millicredits): string {
  if (topUpLeft > 0) {
    return threshold >= 100
      ? `You have used all of your plan allowance of ${kind} credits${where} for this cycle; your ${formatCredits(topUpLeft)} top-up credits are being used now.`
      : `You have used ${threshold}% of your plan allowance of ${kind} credits${where} for this cycle; ${formatCredits(topUpLeft)} top-up credits come after it.`;
  }
  return threshold >= 100 ? `You have used all of your ${kind} credits${where} for this cycle.` : `You have used ${threshold}% of your ${kind} credits${where} for this cycle.`;
}

/** A pool's crossing told to the workspace's owner and admins (a notice each, once per threshold and cycle). */
async function poolNotices(
  db: Db,
  args: { accountId: string; workspaceId: string; name: string; kind: CreditKind; cycleStart: Date; now: Date; topUpLeft?: Millicredits },
  crossed: number[],
): Promise<number[]> {
  const staff = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, args.workspaceId), inArray(memberships.role, ["owner", "admin"])));
  const told = new Set<number>();
  for (const threshold of crossed) {
    const body = poolText(threshold, args.kind, args.name, args.topUpLeft ?? 0);
    for (const { userId } of staff) {
      const dedupeKey = `pool:${args.accountId}:${args.cycleStart.toISOString()}:${args.kind}:${threshold}:${userId}`;
      if (await notify(db, { userId, workspaceId: args.workspaceId, accountId: args.accountId, kind: args.kind, cycleStart: args.cycleStart, body, dedupeKey, href: "/settings/workspace" }, args.now)) {
        told.add(threshold);
        if (threshold >= 100) await queueMailToUser(db, userId, { key: dedupeKey, workspaceId: args.workspaceId, subject: `${args.name}'s shared pool has no ${args.kind} credits left`, text: `${body}\n\n${appLink("/settings/billing")}` }, args.now);
      }
    }
  }
  return [...told];
}

function poolText(threshold: number, kind: CreditKind, name: string, topUpLeft: Millicredits): string {
  if (threshold >= 100) {
    return topUpLeft > 0
      ? `${name}'s shared pool has used its whole plan allowance of ${kind} credits this cycle; its ${formatCredits(topUpLeft)} top-up credits are being used now.`
      : `${name}'s shared pool has no ${kind} credits left this cycle. Members' ${kind === "message" ? "messages" : "apps' integrations"} are refused until it resets, you buy a top-up or raise the credit level.`;
  }
  return `${name}'s shared pool has used ${threshold}% of its ${kind} credits this cycle.`;
}

/** The notices a charge of `amount` may have crossed, for the holder of the account that paid (a pool's owner and admins). */
export function noticesAfterCharge(
  db: Db,
  charge: {
    account: { id: string; type?: string; holderUserId: string | null; workspaceId: string | null };
    workspaceId: string;
    kind: CreditKind;
    cycleStart: Date;
    balance: { used: Millicredits; allowance: Millicredits; topUp?: Millicredits };
    amount: Millicredits;
  },
  now: Date,
) {
  const { account, balance } = charge;
  return recordThresholdNotices(db, {
    accountId: account.id,
    holderUserId: account.holderUserId,
    pool: account.type === "pool",
    workspaceId: account.workspaceId ?? charge.workspaceId,
    kind: charge.kind,
    cycleStart: charge.cycleStart,
    before: balance.used - charge.amount,
    after: balance.used,
    allowance: balance.allowance,
    now,
    topUpLeft: balance.topUp ?? 0,
  });
}

/**
 * A notice that is not a usage threshold (a top-up bought, a payment failed, a cap reached),
 * sent once per `dedupeKey` however many requests try to send it.
 */
export async function notify(
  db: Db,
  notice: { userId: string; workspaceId: string; accountId: string; kind: CreditKind; cycleStart: Date; body: string; dedupeKey: string; href?: string },
  now: Date,
): Promise<boolean> {
  const rows = await db
    .insert(notifications)
    .values({ ...notice, threshold: null, createdAt: now })
    .onConflictDoNothing()
    .returning({ id: notifications.id });
  return rows.length > 0;
}
