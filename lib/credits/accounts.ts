import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { appKeys, apps, creditAccounts, memberships, plans, workspaces, type AutoTopUps } from "@/db/schema";
import type { Millicredits } from "./amounts";
import type { CreditKind } from "./costs";
import { cycleAt, type Cycle } from "./cycle";
import { notFound } from "@/lib/errors";
import type { Cadence } from "./plans";

/** Paid accounts (a seat, a workspace's pool) have top-ups and auto top-up; a free allowance has neither. */
export const hasTopUps = (account: Pick<Account, "type">) => account.type !== "free";

/** A credit account with what the hot path needs of its plan. */
export interface Account {
  id: string;
  type: "seat" | "free" | "pool";
  workspaceId: string | null;
  holderUserId: string | null;
  planId: string;
  cadence: Cadence;
  messageAllowance: Millicredits;
  integrationAllowance: Millicredits;
  anchorAt: Date;
  status: "active" | "removed";
  pendingChangeAt: Date | null;
  autoTopUp: AutoTopUps | null;
}

export interface KindBalance {
  kind: CreditKind;
  allowance: Millicredits;
  used: Millicredits;
  reserved: Millicredits;
  /** allowance − used − reserved: what is left of this cycle's allowance. */
  remaining: Millicredits;
  cycleStart: Date;
  cycleEnd: Date;
  /** Top-up credits usable now (not paused, not expired), spent after the allowance. */
  topUp: Millicredits;
  /** When the first of those top-ups expires. */
  topUpExpiresAt: Date | null;
  /** remaining + topUp: what a charge can use now. */
  available: Millicredits;
}

/** What is left of an account's top-ups of one kind (nothing for a free allowance, which has none). */
export interface LotsLeft {
  remaining: Millicredits;
  nextExpiresAt: Date | null;
}

export interface AccountBalance {
  account: Account;
  message: KindBalance;
  integration: KindBalance;
}

const accountColumns = {
  id: creditAccounts.id,
  type: creditAccounts.type,
  workspaceId: creditAccounts.workspaceId,
  holderUserId: creditAccounts.holderUserId,
  planId: creditAccounts.planId,
  cadence: plans.cadence,
  messageAllowance: plans.messageAllowance,
  integrationAllowance: plans.integrationAllowance,
  anchorAt: creditAccounts.anchorAt,
  status: creditAccounts.status,
  pendingChangeAt: creditAccounts.pendingChangeAt,
  autoTopUp: creditAccounts.autoTopUp,
};

export async function getAccount(db: Db, accountId: string): Promise<Account> {
  const row = await findAccount(db, accountId);
  if (!row) throw notFound("Credit account");
  return row;
}

/** The account, or undefined when there is none (a database failure is still an error). */
export async function findAccount(db: Db, accountId: string): Promise<Account | undefined> {
  const [row] = await db
    .select(accountColumns)
    .from(creditAccounts)
    .innerJoin(plans, eq(plans.id, creditAccounts.planId))
    .where(eq(creditAccounts.id, accountId));
  return row;
}

/**
 * Who pays in a workspace: its pool when it has one (every member draws from it), else the
 * person's active paid seat there, else their one free allowance (shared by all their
 * workspaces, so joining more never adds credits). `holder` is the person's id column.
 */
const payerJoin = (holder: ReturnType<typeof sql> | typeof memberships.userId, workspaceId: ReturnType<typeof sql> | string) =>
  and(
    eq(creditAccounts.status, "active"),
    sql`((${creditAccounts.type} = 'pool' and ${creditAccounts.workspaceId} = ${workspaceId})
      or (${creditAccounts.holderUserId} = ${holder} and (${creditAccounts.type} = 'free' or ${creditAccounts.workspaceId} = ${workspaceId})))`,
  );

const RANK = { pool: 0, seat: 1, free: 2 } as const;

/**
 * SQL: the id of the account that pays for the app of the surrounding query's `apps` row now,
 * picked as `pick` picks (its workspace's pool, else its owner's active seat there, else their free
 * allowance). A charge compares it with the payer it was about to charge: a payer remembered from
 * a key's lookup a moment ago only says which rows to read, never who pays.
 */
export const currentAppPayerSql = sql<string>`(select ${creditAccounts.id} from ${creditAccounts}
  where ${payerJoin(sql`${apps.ownerUserId}`, sql`${apps.workspaceId}`)}
  order by case ${creditAccounts.type} when 'pool' then ${RANK.pool} when 'seat' then ${RANK.seat} else ${RANK.free} end limit 1)`;
const pick = <T extends { type: Account["type"] }>(accounts: T[]): T | undefined => [...accounts].sort((a, b) => RANK[a.type] - RANK[b.type])[0];

/** The account a person acts with in a workspace: its pool, else their seat there, else their free allowance. */
export async function getActingAccount(db: Db, { workspaceId, userId }: { workspaceId: string; userId: string }): Promise<Account> {
  const rows = await db
    .select(accountColumns)
    .from(creditAccounts)
    .innerJoin(plans, eq(plans.id, creditAccounts.planId))
    .where(payerJoin(sql`${userId}::uuid`, sql`${workspaceId}::uuid`));
  const account = pick(rows);
  if (!account) throw notFound("A credit account for this person");
  return account;
}

/** Each member's acting account in a workspace (the pool, a seat there, else free), in one query. */
export async function getMembersActingAccounts(db: Db, workspaceId: string): Promise<Map<string, Account>> {
  const rows = await db
    .select({ userId: memberships.userId, account: accountColumns })
    .from(memberships)
    .innerJoin(creditAccounts, payerJoin(memberships.userId, sql`${workspaceId}::uuid`))
    .innerJoin(plans, eq(plans.id, creditAccounts.planId))
    .where(eq(memberships.workspaceId, workspaceId));
  const out = new Map<string, Account>();
  for (const r of rows) {
    const have = out.get(r.userId);
    if (!have || RANK[r.account.type] < RANK[have.type]) out.set(r.userId, r.account);
  }
  return out;
}

/** The app and the account that pays for its integrations (its owner's, in its workspace). */
export async function getAppPayer(db: Db, appId: string) {
  const found = await findAppPayer(db, { appId });
  if (!found) throw notFound("App");
  return found;
}

/**
 * One round trip: an app (by id, or by the SHA-256 of one of its live keys) with the accounts
 * that may pay for it — its workspace's pool, its owner's seat there, their free allowance. The metering API
 * runs this once per call.
 */
export async function findAppPayer(db: Db, by: { appId: string } | { keyHash: string }) {
  const query = db
    .select({ app: apps, account: accountColumns, keyHash: appKeys.keyHash, keyId: appKeys.id, keyLastUsedAt: appKeys.lastUsedAt, switchAt: workspaces.pendingModelAt })
    .from(apps)
    .innerJoin(workspaces, eq(workspaces.id, apps.workspaceId))
    .leftJoin(appKeys, "keyHash" in by ? and(eq(appKeys.appId, apps.id), eq(appKeys.keyHash, by.keyHash), isNull(appKeys.revokedAt)) : sql`false`)
    .leftJoin(creditAccounts, payerJoin(sql`${apps.ownerUserId}`, sql`${apps.workspaceId}`))
    .leftJoin(plans, eq(plans.id, creditAccounts.planId))
    .where("keyHash" in by ? eq(appKeys.keyHash, by.keyHash) : eq(apps.id, by.appId));
  const rows = await query;
  const app = rows[0]?.app;
  if (!app) return null;
  const accounts = rows.map((r) => r.account).filter((a): a is Account => a.id !== null);
  const account = pick(accounts);
  if (!account) throw notFound("A credit account for this person");
  return { app, account, keyHash: rows[0]!.keyHash, keyId: rows[0]!.keyId, keyLastUsedAt: rows[0]!.keyLastUsedAt, switchAt: rows[0]!.switchAt };
}

export function cycleOf(account: Pick<Account, "anchorAt" | "cadence">, at: Date): Cycle {
  return cycleAt(account.anchorAt, account.cadence, at);
}
