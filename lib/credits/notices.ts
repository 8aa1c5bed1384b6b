import type { Db } from "@/db/client";
import { eq } from "drizzle-orm";
import { notifications, workspaces } from "@/db/schema";
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
  if (crossed.length === 0 || !args.holderUserId) return [];
  const [ws] = args.workspaceId ? await db.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, args.workspaceId)) : [];
  const where = ws ? ` in ${ws.name}` : "";
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

/** The notices a charge of `amount` may have crossed, for the holder of the account that paid. */
export function noticesAfterCharge(
  db: Db,
  charge: {
    account: { id: string; holderUserId: string | null; workspaceId: string | null };
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
