/**
 * The lock order, as code: every row lock the engine takes is one of these functions (a lint rule
 * keeps `.for(` out of the rest of lib/credits and lib/api), so a transaction that takes them in
 * another order shows in review as calls in the wrong order.
 *
 * LOCK ORDER, for every transaction that touches seats, decisions, usage and lots:
 *   1. the workspace row (adding a seat; a switch of credit model; setting member limits), then a
 *      member's membership row
 *   2. the seat (or pool): credit_accounts, FOR NO KEY UPDATE (so charges' foreign keys, which
 *      take KEY SHARE on it, are never blocked by it); several in id order
 *   3. the decision: plan_changes (by compare-and-set on its status; due changes FOR UPDATE)
 *   4. a metering charge's own rows: its app keys (FOR SHARE: a revoke waits for it), then the
 *      app (FOR SHARE: its cap and payer are read there, and a cap being set waits), then the
 *      app's usage row of the cycle (app_usage, when capped)
 *   5. a shared pool's member row (member_usage: the prompter's limit)
 *   6. the payer's usage row (account_usage)
 *   7. its top-up lots, earliest expiry first, then id
 * A charge starts at 4 and never waits on 1–3 (an auto top-up it records is a new row). Settling a
 * hold takes its reservation row first (no other transaction takes it), then 4–7 as a charge does.
 * Deadlocks and serialization failures that still happen (an uncapped charge reaches app_usage
 * after 6, through the ledger's rollup trigger) are retried whole by `withRetry`.
 */
import { and, asc, eq, inArray, isNull, lte, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, appKeys, apps, appUsage, creditAccounts, memberships, planChanges, topUpLots, workspaces } from "@/db/schema";
import { currentAppPayerSql } from "./accounts";

const RETRYABLE = new Set(["40P01", "40001"]);
function isRetryable(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    if (RETRYABLE.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

/** Runs `fn` again when PostgreSQL broke a deadlock or a serialization conflict: nobody sees those. */
export async function withRetry<T>(fn: () => Promise<T>, tries = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= tries || !isRetryable(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

/** 1. The workspace row, for the rest of the transaction. */
export async function lockWorkspace(tx: Db, workspaceId: string) {
  const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, workspaceId)).for("no key update");
  return ws;
}

/** 1. A member's membership row (after the workspace's). */
export async function lockMembership(tx: Db, workspaceId: string, userId: string) {
  const [m] = await tx.select().from(memberships).where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId))).for("no key update");
  return m;
}

/** 2. Credit accounts (seats, pools) matching `where`, in id order; their ids. */
export async function lockAccounts(tx: Db, where: SQL | undefined): Promise<string[]> {
  const rows = await tx.select({ id: creditAccounts.id }).from(creditAccounts).where(where).orderBy(asc(creditAccounts.id)).for("no key update");
  return rows.map((r) => r.id);
}

/** 2. One credit account; false when there is none. */
export async function lockAccount(tx: Db, accountId: string): Promise<boolean> {
  return (await lockAccounts(tx, eq(creditAccounts.id, accountId))).length > 0;
}

/** 3. An account's scheduled changes that have come due, oldest first (its account locked before). */
export function lockDueChanges(tx: Db, accountId: string, now: Date) {
  return tx
    .select()
    .from(planChanges)
    .where(and(eq(planChanges.accountId, accountId), eq(planChanges.status, "scheduled"), lte(planChanges.effectiveAt, now)))
    .orderBy(asc(planChanges.effectiveAt))
    .for("update");
}

/** 4. Of these app keys, the ones still live, FOR SHARE until the transaction ends (a revoke waits). */
export async function lockLiveKeys(tx: Db, keyIds: string[]): Promise<Set<string>> {
  if (keyIds.length === 0) return new Set();
  const rows = await tx
    .select({ id: appKeys.id })
    .from(appKeys)
    .where(and(inArray(appKeys.id, [...new Set(keyIds)]), isNull(appKeys.revokedAt)))
    .orderBy(asc(appKeys.id))
    .for("share");
  return new Set(rows.map((r) => r.id));
}

/** 4. The app, FOR SHARE: its cap and the account that pays for it now. */
export async function lockApp(tx: Db, appId: string): Promise<{ cap: number | null; payerAccountId: string | null } | undefined> {
  const [row] = await tx.select({ cap: apps.integrationCap, payerAccountId: currentAppPayerSql }).from(apps).where(eq(apps.id, appId)).for("share");
  return row;
}

/** 4. The app's usage row of its payer's cycle (made on first touch): what its cap counts. */
export async function lockAppUsage(tx: Db, k: { appId: string; payerAccountId: string; cycleStart: Date }) {
  await tx.insert(appUsage).values(k).onConflictDoNothing();
  const [row] = await tx
    .select({ charged: appUsage.charged, reserved: appUsage.reserved })
    .from(appUsage)
    .where(and(eq(appUsage.appId, k.appId), eq(appUsage.payerAccountId, k.payerAccountId), eq(appUsage.cycleStart, k.cycleStart)))
    .for("update");
  return row;
}

/** 6. The payer's usage row of a cycle, or undefined when the cycle has none yet. */
export async function lockUsageRow(tx: Db, accountId: string, cycleStart: Date) {
  const [row] = await tx
    .select()
    .from(accountUsage)
    .where(and(eq(accountUsage.accountId, accountId), eq(accountUsage.cycleStart, cycleStart)))
    .for("update");
  return row;
}

/** 7. Top-up lots matching `usable`, earliest expiry first, then id: the order they are spent in. */
export function lockLots(tx: Db, usable: SQL | undefined) {
  return tx
    .select({ id: topUpLots.id, credits: topUpLots.credits, used: topUpLots.used, expiresAt: topUpLots.expiresAt })
    .from(topUpLots)
    .where(usable)
    .orderBy(asc(topUpLots.expiresAt), asc(topUpLots.id))
    .for("update");
}
