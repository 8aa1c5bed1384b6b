import { getTableColumns, inArray, sql, type SQL } from "drizzle-orm";
import { DomainError } from "@/lib/errors";
import { rowsOf, type Db } from "@/db/client";
import { creditLedger, type LotParts } from "@/db/schema";
import { cycleOf, type Account, type KindBalance } from "./accounts";
import type { CreditKind } from "./costs";
import type { Cycle } from "./cycle";

/**
 * The append-only ledger: every charge, free action, refusal, reservation and release is one
 * row, built here by one function whichever path writes it.
 */
export type LedgerEvent = typeof creditLedger.$inferSelect;
export type LedgerInsert = typeof creditLedger.$inferInsert;

/** What every row of one request shares: who, for what, which cycle, under which key. */
export type LedgerBase = Required<Pick<LedgerInsert, "idempotencyKey" | "requestHash" | "workspaceId" | "action" | "quantity" | "source" | "createdAt">> &
  Pick<LedgerInsert, "actorUserId" | "payerAccountId" | "payerUserId" | "appId" | "cycleStart" | "reservationId">;

export type Outcome = LedgerEvent["outcome"];

type Snapshot = Pick<KindBalance, "allowance" | "used" | "remaining"> & Partial<Pick<KindBalance, "topUp" | "topUpExpiresAt">>;

/** The balance after the event, kept on the row so that a replay answers the same. */
export function snapshot(b: Snapshot) {
  return { balanceAllowance: b.allowance, balanceUsed: b.used, balanceRemaining: b.remaining, balanceTopUp: b.topUp ?? null, balanceTopUpExpiresAt: b.topUpExpiresAt ?? null };
}

/** The one ledger row builder. */
export function ledgerRow(
  base: LedgerBase,
  entry: {
    kind: LedgerEvent["kind"];
    amount: number;
    outcome: Outcome;
    balance?: Snapshot;
    /** Where the credits came from beyond the allowance (a charge that drew top-ups). */
    draw?: { fromAllowance: number; lotParts: LotParts };
    refusal?: LedgerEvent["refusal"];
  },
): LedgerInsert {
  return {
    ...base,
    actorUserId: base.actorUserId ?? null,
    payerAccountId: base.payerAccountId ?? null,
    payerUserId: base.payerUserId ?? null,
    appId: base.appId ?? null,
    cycleStart: base.cycleStart ?? null,
    reservationId: base.reservationId ?? null,
    kind: entry.kind,
    amount: entry.amount,
    outcome: entry.outcome,
    ...(entry.balance ? snapshot(entry.balance) : { balanceAllowance: null, balanceUsed: null, balanceRemaining: null, balanceTopUp: null, balanceTopUpExpiresAt: null }),
    fromAllowance: entry.draw?.fromAllowance ?? null,
    lotParts: entry.draw?.lotParts.length ? entry.draw.lotParts : null,
    refusal: entry.refusal ?? (entry.outcome === "refused" ? "insufficient_credits" : null),
  };
}

/** The base of an event, to write a follow-up row (confirm, release) of the same request. */
export function baseOf(e: LedgerEvent, key: string, now: Date): LedgerBase {
  return {
    idempotencyKey: key,
    requestHash: e.requestHash,
    actorUserId: e.actorUserId,
    payerAccountId: e.payerAccountId,
    payerUserId: e.payerUserId,
    workspaceId: e.workspaceId,
    appId: e.appId,
    action: e.action,
    quantity: e.quantity,
    cycleStart: e.cycleStart,
    reservationId: e.reservationId,
    source: e.source,
    createdAt: now,
  };
}

/**
 * The rows of a raw `db.execute`: postgres.js answers an array, PGlite an object with `rows`.
 */
export { rowsOf };

const ledgerColumns = getTableColumns(creditLedger);

/**
 * `insert into credit_ledger (...) select <row's values>, <balance from the CTE> from <source>`:
 * the row's values as typed parameters, for statements that insert a ledger row computed by
 * an earlier part of the same statement (the one-statement charge).
 */
export function insertLedgerFrom(row: LedgerInsert, balance: { allowance: SQL; used: SQL; remaining: SQL; topUp: SQL; topUpExpiresAt: SQL }, source: SQL, deadline?: Date): SQL {
  const keys = (Object.keys(row) as (keyof LedgerInsert)[]).filter((k) => !k.startsWith("balance") && row[k] !== undefined && row[k] !== null);
  const names = keys.map((k) => sql.identifier(ledgerColumns[k].name));
  const values = keys.map((k) => {
    const col = ledgerColumns[k];
    const v = row[k] instanceof Date ? (row[k] as Date).toISOString() : row[k];
    const value = sql`${v}::${sql.raw(col.getSQLType())}`;
    // Evaluated when the row is inserted, i.e. after the update got its row lock: past the
    // deadline the request hash is null, the NOT NULL constraint fails the whole statement,
    // and nothing is charged (see isLateCharge).
    if (k === "requestHash" && deadline) return beforeDeadlineOnly(value, deadline);
    return value;
  });
  return sql`insert into ${creditLedger} (${sql.join(names, sql`, `)}, balance_allowance, balance_used, balance_remaining, balance_top_up, balance_top_up_expires_at)
    select ${sql.join(values, sql`, `)}, ${balance.allowance}, ${balance.used}, ${balance.remaining}, ${balance.topUp}, ${balance.topUpExpiresAt} from ${source}`;
}

/**
 * The request hash as inserted under a deadline: null once the database's clock has passed it,
 * so the NOT NULL constraint fails the whole statement when it got its locks too late and
 * nothing is charged (see isLateCharge).
 */
const beforeDeadlineOnly = (hash: SQL, deadline: Date) => sql`case when clock_timestamp() < ${deadline.toISOString()}::timestamptz then ${hash} end`;

const insertedColumns = (Object.entries(ledgerColumns) as [keyof LedgerInsert, (typeof ledgerColumns)[keyof typeof ledgerColumns]][]).filter(([, c]) => c.name !== "id");
const recordShape = sql.raw(insertedColumns.map(([, c]) => `"${c.name}" ${c.getSQLType()}`).join(", "));

/**
 * Many ledger rows in one statement, passed as one JSON parameter (`jsonb_to_recordset`), so
 * building the statement costs the same for 1 row or 100 (a query builder spends its time per
 * value). A key already in the ledger is skipped (claimed first in ledger_keys): the caller sees
 * which keys went in. With a deadline, a statement that runs past it fails whole (isLateCharge).
 */
export async function insertLedgerRows(db: Db, rows: LedgerInsert[], deadline?: Date): Promise<Map<string, number>> {
  const columns = insertedColumns.map(([, c]) => c);
  const json = JSON.stringify(
    rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, c] of insertedColumns) {
        const v = row[k];
        out[c.name] = v instanceof Date ? v.toISOString() : (v ?? null);
      }
      return out;
    }),
  );
  const names = sql.join(columns.map((c) => sql.identifier(c.name)), sql`, `);
  const picked = sql.join(
    columns.map((c) => (c.name === "request_hash" && deadline ? beforeDeadlineOnly(sql`x.request_hash`, deadline) : sql`x.${sql.identifier(c.name)}`)),
    sql`, `,
  );
  // The keys are claimed first (the partitioned ledger keeps them unique in ledger_keys): only
  // the rows whose key this statement claimed go in; the ledger's statement trigger, which
  // claims every inserted row's key, skips a row whose key it claimed (same id).
  const result = await db.execute(sql`with x as (
      select x.*, nextval(pg_get_serial_sequence('credit_ledger', 'id')) as new_id from jsonb_to_recordset(${json}::jsonb) as x(${recordShape})
    ), claimed as (
      insert into ledger_keys (idempotency_key, ledger_id, created_at)
      select x.idempotency_key, x.new_id, x.created_at from x
      on conflict (idempotency_key) do nothing
      returning ledger_id
    )
    insert into ${creditLedger} (id, ${names})
    select x.new_id, ${picked} from x join claimed on claimed.ledger_id = x.new_id
    returning id, idempotency_key`);
  return new Map(rowsOf<{ id: string | number; idempotency_key: string }>(result).map((r) => [r.idempotency_key, Number(r.id)]));
}

/** The row as read back, for a row written by a raw statement that returned only its id. */
export function eventOf(row: LedgerInsert, id: number): LedgerEvent {
  return { ...(row as LedgerEvent), id };
}

/** A key whose event is in a month that was archived (`npm run credits -- ledger archive`). */
export class ArchivedKeyError extends DomainError {
  constructor() {
    super("idempotency_conflict", "This idempotency key belongs to an event in a month that has been archived; send a new charge with a new key.");
  }
}

/**
 * The ledger rows already under these keys (one JSON parameter, whatever the count), found
 * through ledger_keys: a key whose row is gone with an archived month is answered "archived"
 * (it stays taken: it is never charged again).
 */
export async function ledgerByKeys(db: Db, keys: string[]): Promise<Map<string, LedgerEvent | "archived">> {
  const found = rowsOf<{ key: string; id: string | number | null }>(
    await db.execute(sql`select k.idempotency_key as key, l.id from ledger_keys k
      left join ${creditLedger} l on l.id = k.ledger_id and l.created_at = k.created_at
      where k.idempotency_key in (select jsonb_array_elements_text(${JSON.stringify([...new Set(keys)])}::jsonb))`),
  );
  if (found.length === 0) return new Map();
  const ids = found.flatMap((r) => (r.id === null ? [] : [Number(r.id)]));
  const rows = ids.length > 0 ? await db.select().from(creditLedger).where(inArray(creditLedger.id, ids)) : [];
  return new Map<string, LedgerEvent | "archived">([...found.filter((r) => r.id === null).map((r) => [r.key, "archived"] as const), ...rows.map((r) => [r.idempotencyKey, r] as const)]);
}

export async function findLedgerEvent(db: Db, key: string): Promise<LedgerEvent | undefined> {
  const found = (await ledgerByKeys(db, [key])).get(key);
  if (found === "archived") throw new ArchivedKeyError();
  return found;
}

/** A balance rebuilt from the snapshot on a ledger row (what a replay answers). */
export function balanceOfEvent(event: LedgerEvent, payer: Pick<Account, "anchorAt" | "cadence"> | null): KindBalance & { kind: CreditKind } {
  const kind: CreditKind = event.kind === "integration" ? "integration" : "message";
  const cycle: Cycle = payer && event.cycleStart
    ? cycleOf(payer, event.cycleStart)
    : { start: event.cycleStart ?? event.createdAt, end: event.cycleStart ?? event.createdAt };
  const allowance = event.balanceAllowance ?? 0;
  const used = event.balanceUsed ?? 0;
  const remaining = event.balanceRemaining ?? allowance - used;
  const topUp = event.balanceTopUp ?? 0;
  return { kind, allowance, used, reserved: allowance - used - remaining, remaining, cycleStart: cycle.start, cycleEnd: cycle.end, topUp, topUpExpiresAt: event.balanceTopUpExpiresAt, available: remaining + topUp };
}

/** The error a one-statement charge fails with when it got its row only after its deadline. */
export function isLateCharge(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code, column, column_name } = e as { code?: unknown; column?: unknown; column_name?: unknown };
    if (code === "23502") return column === "request_hash" || column_name === "request_hash";
  }
  return false;
}
