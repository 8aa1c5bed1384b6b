import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage } from "@/db/schema";
import type { Account, KindBalance, LotsLeft } from "./accounts";
import type { CreditKind } from "./costs";
import type { Cycle } from "./cycle";

/**
 * Usage rows: one per account and cycle, the running totals of the ledger. Reading a balance
 * reads one of these; charging updates one conditionally.
 */
export type UsageRow = typeof accountUsage.$inferSelect;

/**
 * Creates the usage row of the account's cycle containing `at`, at its plan's full
 * allowance, if it does not exist. This is how a cycle resets: on first touch, with no job
 * to miss or run twice (the primary key makes concurrent first touches insert once).
 */
export async function ensureUsageRow(db: Db, account: Account, cycle: Cycle): Promise<void> {
  // updatedAt left out: the row is written now, whatever cycle it is for.
  await db
    .insert(accountUsage)
    .values({ ...freshUsageRow(account, cycle), updatedAt: undefined })
    .onConflictDoNothing();
}

export async function getUsageRow(db: Db, accountId: string, cycleStart: Date): Promise<UsageRow | undefined> {
  const [row] = await db
    .select()
    .from(accountUsage)
    .where(and(eq(accountUsage.accountId, accountId), eq(accountUsage.cycleStart, cycleStart)));
  return row;
}

export const NO_LOTS: LotsLeft = { remaining: 0, nextExpiresAt: null };

export function kindBalance(row: UsageRow, kind: CreditKind, lots: LotsLeft = NO_LOTS): KindBalance {
  const allowance = kind === "message" ? row.messageAllowance : row.integrationAllowance;
  const used = kind === "message" ? row.messageUsed : row.integrationUsed;
  const reserved = kind === "message" ? row.messageReserved : row.integrationReserved;
  const remaining = allowance - used - reserved;
  return { kind, allowance, used, reserved, remaining, cycleStart: row.cycleStart, cycleEnd: row.cycleEnd, topUp: lots.remaining, topUpExpiresAt: lots.nextExpiresAt, available: remaining + lots.remaining };
}

/** The usage row an untouched cycle would get: full allowance, nothing used. Not written. */
export function freshUsageRow(account: Account, cycle: Cycle): UsageRow {
  return {
    accountId: account.id,
    cycleStart: cycle.start,
    cycleEnd: cycle.end,
    planId: account.planId,
    messageAllowance: account.messageAllowance,
    integrationAllowance: account.integrationAllowance,
    messageUsed: 0,
    integrationUsed: 0,
    messageReserved: 0,
    integrationReserved: 0,
    updatedAt: cycle.start,
  };
}

/** Usage rows for many (account, cycle) pairs in one query, keyed "accountId|cycleStartISO". */
export async function getUsageRows(db: Db, pairs: { accountId: string; cycleStart: Date }[]): Promise<Map<string, UsageRow>> {
  const out = new Map<string, UsageRow>();
  if (pairs.length === 0) return out;
  const rows = await db
    .select()
    .from(accountUsage)
    .where(
      sql`(${accountUsage.accountId}, ${accountUsage.cycleStart}) in (${sql.join(
        pairs.map((p) => sql`(${p.accountId}::uuid, ${p.cycleStart.toISOString()}::timestamptz)`),
        sql`, `,
      )})`,
    );
  for (const r of rows) out.set(`${r.accountId}|${r.cycleStart.toISOString()}`, r);
  return out;
}

/** The usage columns of each kind, for the conditional updates. */
export const usageColumns = {
  message: { used: accountUsage.messageUsed, reserved: accountUsage.messageReserved, allowance: accountUsage.messageAllowance },
  integration: { used: accountUsage.integrationUsed, reserved: accountUsage.integrationReserved, allowance: accountUsage.integrationAllowance },
} as const;

const fieldNames = {
  message: { used: "messageUsed", reserved: "messageReserved" },
  integration: { used: "integrationUsed", reserved: "integrationReserved" },
} as const;

/**
 * The conditional update at the heart of every charge: adds `amount` to used (or reserved)
 * only if used + reserved + amount still fits the allowance. PostgreSQL re-checks the WHERE
 * clause against the latest row version after waiting for a concurrent writer's lock, so no
 * interleaving of concurrent charges can overdraw: the losers simply update nothing.
 */
async function tryTake(db: Db, accountId: string, cycleStart: Date, kind: CreditKind, amount: number, into: "used" | "reserved", now: Date) {
  const c = usageColumns[kind];
  const [row] = await db
    .update(accountUsage)
    .set({ [fieldNames[kind][into]]: sql`${c[into]} + ${amount}`, updatedAt: now })
    .where(and(eq(accountUsage.accountId, accountId), eq(accountUsage.cycleStart, cycleStart), sql`${c.used} + ${c.reserved} + ${amount} <= ${c.allowance}`))
    .returning();
  return row;
}

/**
 * Takes credits in the account's current cycle, creating the cycle's row on first touch.
 * A refusal needs a fresh read showing the amount does not fit: when the row was created or
 * changed by a concurrent transaction between our update and our read (two first touches at
 * once, say), the conditional update simply decides again.
 */
export async function takeCredits(db: Db, account: Account, cycle: Cycle, kind: CreditKind, amount: number, into: "used" | "reserved", now: Date) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await tryTake(db, account.id, cycle.start, kind, amount, into, now);
    if (row) return { taken: true as const, row };
    const current = await getUsageRow(db, account.id, cycle.start);
    if (!current) {
      await ensureUsageRow(db, account, cycle);
      continue;
    }
    const b = kindBalance(current, kind);
    if (b.used + b.reserved + amount > b.allowance) return { taken: false as const, row: current };
  }
  throw new Error(`could not settle a charge on account ${account.id}: the balance allows it but the update took nothing`);
}
