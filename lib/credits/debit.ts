import { createHash } from "node:crypto";
import { and, eq, lte, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, creditLedger, reservations } from "@/db/schema";
import {
  cycleOf,
  ensureUsageRow,
  freshUsageRow,
  getAccount,
  getActingAccount,
  getAppPayer,
  getUsageRow,
  kindBalance,
  type Account,
  type KindBalance,
  type UsageRow,
} from "./accounts";
import { COSTS, costOf, type ActionName, type CreditKind } from "./costs";
import type { Cycle } from "./cycle";
import { conflict, DomainError, invalid, isUniqueViolation, notFound } from "@/lib/errors";
import { recordThresholdNotices } from "./notices";
import { settleDueChanges } from "./plan-changes";

export const MAX_QUANTITY = 1_000_000;
/** How long an AI call may hold its reservation before the next read releases it. */
export const RESERVATION_TTL_MS = 2 * 60 * 1000;

export interface DebitInput {
  /** Idempotency key, already scoped by the caller ("app:<id>:<key>", "user:<id>:<key>"). */
  key: string;
  action: ActionName;
  quantity?: number;
  workspaceId: string;
  /** The person who acted; null when a published app's end user triggered it. */
  actorUserId: string | null;
  appId?: string | null;
  source?: "editor" | "api";
  /**
   * The app owner's account, when the caller already has it from the same query that found
   * the app (the metering API, with the key). Saves the hot path a round trip.
   */
  payer?: Account;
}

export type LedgerEvent = typeof creditLedger.$inferSelect;

export type DebitResult =
  | { outcome: "charged" | "free" | "reserved"; replay: boolean; event: LedgerEvent; balance: KindBalance }
  | {
      outcome: "refused";
      replay: boolean;
      event: LedgerEvent;
      balance: KindBalance;
      kind: CreditKind;
      /** When the refused kind's cycle ends and the full allowance is back. */
      resetsAt: Date;
    };

export class IdempotencyConflictError extends DomainError {
  constructor() {
    super("idempotency_conflict", "This idempotency key was already used for a different request.");
  }
}

/** The hash that tells "the same request again" from "another request with the same key". */
export function requestHash(input: DebitInput): string {
  const canonical = JSON.stringify([
    input.action,
    input.quantity ?? 1,
    input.workspaceId,
    input.appId ?? null,
    input.actorUserId ?? null,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

function validate(input: DebitInput): number {
  const quantity = input.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw invalid(`Quantity must be a whole number from 1 to ${MAX_QUANTITY.toLocaleString("en-US")}.`);
  }
  if (!(input.action in COSTS)) throw invalid(`Unknown action "${String(input.action)}".`);
  if (!input.key || input.key.length > 300) throw invalid("An idempotency key of 1 to 300 characters is required.");
  return quantity;
}

/** Who pays: the prompter for message credits, the app's owner for integration credits. */
async function resolvePayer(db: Db, input: DebitInput): Promise<Account> {
  const kind = COSTS[input.action].kind;
  if (kind === "integration" || (kind === null && !input.actorUserId)) {
    if (!input.appId) throw invalid("An integration action needs an app.");
    const { app, account } = await getAppPayer(db, input.appId);
    if (app.workspaceId !== input.workspaceId) throw notFound("App");
    return account;
  }
  if (!input.actorUserId) throw invalid("A message action needs the person who prompted.");
  return getActingAccount(db, input.workspaceId, input.actorUserId);
}

/** A replay: the first result for this key, rebuilt from its ledger row. Charges nothing. */
function replayOf(event: LedgerEvent, payer: Account | null): DebitResult {
  const kind: CreditKind = event.kind === "integration" ? "integration" : "message";
  const cycle: Cycle = payer && event.cycleStart
    ? cycleOf(payer, event.cycleStart)
    : { start: event.cycleStart ?? event.createdAt, end: event.cycleStart ?? event.createdAt };
  const allowance = event.balanceAllowance ?? 0;
  const used = event.balanceUsed ?? 0;
  const remaining = event.balanceRemaining ?? allowance - used;
  const balance: KindBalance = {
    kind,
    allowance,
    used,
    reserved: allowance - used - remaining,
    remaining,
    cycleStart: cycle.start,
    cycleEnd: cycle.end,
  };
  if (event.outcome === "refused") {
    return { outcome: "refused", replay: true, event, balance, kind, resetsAt: cycle.end };
  }
  const outcome = event.outcome === "reserved" ? "reserved" : event.outcome === "free" ? "free" : "charged";
  return { outcome, replay: true, event, balance };
}

async function findReplay(db: Db, input: DebitInput, hash: string): Promise<DebitResult | null> {
  const [event] = await db.select().from(creditLedger).where(eq(creditLedger.idempotencyKey, input.key));
  if (!event) return null;
  if (event.requestHash !== hash) throw new IdempotencyConflictError();
  const payer = event.payerAccountId ? await getAccount(db, event.payerAccountId) : null;
  return replayOf(event, payer);
}

const columns = {
  message: { used: accountUsage.messageUsed, reserved: accountUsage.messageReserved, allowance: accountUsage.messageAllowance },
  integration: {
    used: accountUsage.integrationUsed,
    reserved: accountUsage.integrationReserved,
    allowance: accountUsage.integrationAllowance,
  },
} as const;

/**
 * The conditional update at the heart of every charge: adds `amount` to used (or reserved)
 * only if used + reserved + amount still fits the allowance. PostgreSQL re-checks the WHERE
 * clause against the latest row version after waiting for a concurrent writer's lock, so no
 * interleaving of concurrent charges can overdraw: the losers simply update nothing.
 */
async function tryTake(
  db: Db,
  accountId: string,
  cycleStart: Date,
  kind: CreditKind,
  amount: number,
  into: "used" | "reserved",
  now: Date,
): Promise<UsageRow | undefined> {
  const c = columns[kind];
  const target = into === "used" ? c.used : c.reserved;
  const field =
    kind === "message"
      ? into === "used" ? "messageUsed" : "messageReserved"
      : into === "used" ? "integrationUsed" : "integrationReserved";
  const [row] = await db
    .update(accountUsage)
    .set({ [field]: sql`${target} + ${amount}`, updatedAt: now })
    .where(
      and(
        eq(accountUsage.accountId, accountId),
        eq(accountUsage.cycleStart, cycleStart),
        sql`${c.used} + ${c.reserved} + ${amount} <= ${c.allowance}`,
      ),
    )
    .returning();
  return row;
}

/**
 * Takes credits in the account's current cycle, creating the cycle's row on first touch.
 * A refusal needs a fresh read showing the amount does not fit: when the row was created or
 * changed by a concurrent transaction between our update and our read (two first touches at
 * once, say), the conditional update simply decides again.
 */
async function take(db: Db, account: Account, cycle: Cycle, kind: CreditKind, amount: number, into: "used" | "reserved", now: Date) {
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

async function payerFor(db: Db, input: DebitInput, now: Date): Promise<Account> {
  const known = COSTS[input.action].kind === "integration" ? input.payer : undefined;
  const payer = known ?? (await resolvePayer(db, input));
  // A scheduled downgrade or removal that has come due is applied before the charge, so the
  // new cycle starts on the right plan (or the removed seat's holder pays from free credits).
  if (payer.pendingChangeAt && payer.pendingChangeAt <= now) {
    await settleDueChanges(db, payer.id, now);
    return resolvePayer(db, { ...input, payer: undefined });
  }
  return payer;
}

async function charge(db: Db, input: DebitInput, now: Date, mode: "use" | "reserve"): Promise<DebitResult> {
  const quantity = validate(input);
  const hash = requestHash(input);
  const cost = COSTS[input.action];
  // A charge that is neither free nor a reservation takes the one-statement path first; a
  // replayed key is found there by the unique index (and answered below).
  const fast = mode === "use" && cost.kind !== null;
  if (!fast) {
    const replay = await findReplay(db, input, hash);
    if (replay) return replay;
  }

  const payer = await payerFor(db, input, now);
  const amount = costOf(input.action, quantity);
  const cycle = cycleOf(payer, now);
  const base = {
    idempotencyKey: input.key,
    requestHash: hash,
    actorUserId: input.actorUserId,
    payerAccountId: payer.id,
    payerUserId: payer.holderUserId,
    workspaceId: input.workspaceId,
    appId: input.appId ?? null,
    action: input.action,
    quantity,
    cycleStart: cycle.start,
    source: input.source ?? "editor",
    createdAt: now,
  };

  try {
    if (fast) {
      const done = await chargeInOneStatement(db, base, cost.kind!, amount, now);
      if (done) {
        await noticesAfterCharge(db, payer, input.workspaceId, cost.kind!, cycle.start, done.balance, amount, now);
        return { outcome: "charged", replay: false, event: done.event, balance: { ...done.balance, cycleStart: cycle.start, cycleEnd: cycle.end } };
      }
      // Not charged: no usage row yet for this cycle, or not enough credits. The general path
      // below creates the row or records the refusal.
    }
    return await db.transaction(async (tx) => {
      if (cost.kind === null) {
        const row = (await getUsageRow(tx, payer.id, cycle.start)) ?? freshUsageRow(payer, cycle);
        const balance = kindBalance(row, "message");
        const [event] = await tx
          .insert(creditLedger)
          .values({ ...base, kind: "none", amount: 0, outcome: "free", ...snapshot(balance) })
          .returning();
        return { outcome: "free", replay: false, event: event!, balance };
      }

      const kind = cost.kind;
      const into = mode === "use" ? "used" : "reserved";
      const result = await take(tx, payer, cycle, kind, amount, into, now);
      const balance = kindBalance(result.row, kind);
      if (!result.taken) {
        const [event] = await tx
          .insert(creditLedger)
          .values({ ...base, kind, amount, outcome: "refused", ...snapshot(balance) })
          .returning();
        return { outcome: "refused", replay: false, event: event!, balance, kind, resetsAt: cycle.end };
      }

      let reservationId: string | null = null;
      if (mode === "reserve") {
        const [reservation] = await tx
          .insert(reservations)
          .values({ accountId: payer.id, cycleStart: cycle.start, kind, amount, expiresAt: new Date(now.getTime() + RESERVATION_TTL_MS), createdAt: now })
          .returning({ id: reservations.id });
        reservationId = reservation!.id;
      }
      const [event] = await tx
        .insert(creditLedger)
        .values({ ...base, kind, amount, outcome: mode === "use" ? "charged" : "reserved", reservationId, ...snapshot(balance) })
        .returning();
      if (mode === "use") {
        await noticesAfterCharge(tx, payer, input.workspaceId, kind, cycle.start, balance, amount, now);
      }
      return { outcome: mode === "use" ? "charged" : "reserved", replay: false, event: event!, balance };
    });
  } catch (err) {
    // Another request with this key committed first: our transaction rolled back whole, so
    // nothing was charged twice; answer with the first result.
    if (isUniqueViolation(err, "credit_ledger_idempotency_key_unique")) {
      const first = await findReplay(db, input, hash);
      if (first) return first;
    }
    throw err;
  }
}

type LedgerInsert = typeof creditLedger.$inferInsert;

/**
 * The hot path in a single statement (so a single round trip and an implicit transaction):
 * the conditional update and the ledger insert in one CTE. Either both happen or neither:
 * no row fits → nothing inserted; a reused idempotency key → the unique index fails the whole
 * statement. Returns null when nothing was charged.
 */
async function chargeInOneStatement(db: Db, base: Omit<LedgerInsert, "kind" | "amount" | "outcome">, kind: CreditKind, amount: number, now: Date) {
  const c = columns[kind];
  const usedCol = kind === "message" ? sql.raw("message_used") : sql.raw("integration_used");
  const result = await db.execute(sql`
    with upd as (
      update ${accountUsage} set ${usedCol} = ${c.used} + ${amount}, updated_at = ${now.toISOString()}::timestamptz
      where ${accountUsage.accountId} = ${base.payerAccountId} and ${accountUsage.cycleStart} = ${base.cycleStart!.toISOString()}::timestamptz
        and ${c.used} + ${c.reserved} + ${amount} <= ${c.allowance}
      returning ${c.allowance} as allowance, ${c.used} as used, ${c.reserved} as reserved
    )
    insert into ${creditLedger} (idempotency_key, request_hash, actor_user_id, payer_account_id, payer_user_id, workspace_id, app_id,
                                 action, kind, quantity, amount, outcome, cycle_start, source, balance_allowance, balance_used, balance_remaining, created_at)
    select ${base.idempotencyKey}, ${base.requestHash}, ${base.actorUserId ?? null}, ${base.payerAccountId}, ${base.payerUserId ?? null}, ${base.workspaceId},
           ${base.appId ?? null}, ${base.action}, ${kind}::credit_kind, ${base.quantity ?? 1}, ${amount}, 'charged', ${base.cycleStart!.toISOString()}::timestamptz,
           ${base.source ?? "editor"}, upd.allowance, upd.used, upd.allowance - upd.used - upd.reserved, ${now.toISOString()}::timestamptz
    from upd
    returning id, balance_allowance, balance_used, balance_remaining`);
  const rows = (Array.isArray(result) ? result : (result as unknown as { rows: unknown[] }).rows) as Record<string, string | number>[];
  const row = rows[0];
  if (!row) return null;
  const allowance = Number(row.balance_allowance);
  const used = Number(row.balance_used);
  const remaining = Number(row.balance_remaining);
  const event: LedgerEvent = {
    id: Number(row.id),
    idempotencyKey: base.idempotencyKey,
    requestHash: base.requestHash,
    actorUserId: base.actorUserId ?? null,
    payerAccountId: base.payerAccountId ?? null,
    payerUserId: base.payerUserId ?? null,
    workspaceId: base.workspaceId,
    appId: base.appId ?? null,
    action: base.action,
    kind,
    quantity: base.quantity ?? 1,
    amount,
    outcome: "charged",
    reservationId: null,
    cycleStart: base.cycleStart ?? null,
    source: base.source ?? "editor",
    balanceAllowance: allowance,
    balanceUsed: used,
    balanceRemaining: remaining,
    createdAt: now,
  };
  return { event, balance: { kind, allowance, used, reserved: allowance - used - remaining, remaining } };
}

/** The 80% / 100% notices a charge of `amount` may have crossed, for the account's holder. */
function noticesAfterCharge(
  db: Db,
  account: Pick<Account, "id" | "holderUserId" | "workspaceId">,
  workspaceId: string,
  kind: CreditKind,
  cycleStart: Date,
  balance: { used: number; allowance: number },
  amount: number,
  now: Date,
) {
  return recordThresholdNotices(db, {
    accountId: account.id,
    holderUserId: account.holderUserId,
    workspaceId: account.workspaceId ?? workspaceId,
    kind,
    cycleStart,
    before: balance.used - amount,
    after: balance.used,
    allowance: balance.allowance,
    now,
  });
}

function snapshot(b: KindBalance) {
  return { balanceAllowance: b.allowance, balanceUsed: b.used, balanceRemaining: b.remaining };
}

/**
 * Charges an action now: all or nothing, once per idempotency key. Out of credits is a
 * `refused` result (recorded in the ledger), not an exception.
 */
export function debitCredits(db: Db, input: DebitInput, now: Date): Promise<DebitResult> {
  return charge(db, input, now, "use");
}

/**
 * Holds the credits of an AI action before the model is called. Follow with
 * `confirmReservation` when the model answered, `releaseReservation` when it failed; one left
 * pending past its expiry is released by the next balance read of its account.
 */
export function reserveCredits(db: Db, input: DebitInput, now: Date): Promise<DebitResult> {
  return charge(db, input, now, "reserve");
}

async function reservedEvent(db: Db, reservationId: string): Promise<LedgerEvent> {
  const [event] = await db
    .select()
    .from(creditLedger)
    .where(and(eq(creditLedger.reservationId, reservationId), eq(creditLedger.outcome, "reserved")));
  if (!event) throw notFound("Reservation");
  return event;
}

/** Turns a reservation into a charge. Confirming twice is harmless; confirming a released one is refused. */
export async function confirmReservation(db: Db, reservationId: string, now: Date): Promise<LedgerEvent> {
  const held = await reservedEvent(db, reservationId);
  const key = `${held.idempotencyKey}:confirm`;
  try {
    return await db.transaction(async (tx) => {
      const settled = await settleReservation(tx, reservationId, "confirmed", now);
      if (!settled) throw new SettledError();
      const { reservation, kind, c } = settled;
      const [row] = await tx
        .update(accountUsage)
        .set(
          kind === "message"
            ? { messageUsed: sql`${c.used} + ${reservation.amount}`, messageReserved: sql`${c.reserved} - ${reservation.amount}`, updatedAt: now }
            : { integrationUsed: sql`${c.used} + ${reservation.amount}`, integrationReserved: sql`${c.reserved} - ${reservation.amount}`, updatedAt: now },
        )
        .where(and(eq(accountUsage.accountId, reservation.accountId), eq(accountUsage.cycleStart, reservation.cycleStart)))
        .returning();
      const balance = kindBalance(row!, kind);
      const [event] = await tx
        .insert(creditLedger)
        .values({ ...copyOf(held), idempotencyKey: key, outcome: "charged", createdAt: now, ...snapshot(balance) })
        .returning();
      const account = await getAccount(tx, reservation.accountId);
      await noticesAfterCharge(tx, account, held.workspaceId, kind, reservation.cycleStart, balance, reservation.amount, now);
      return event!;
    });
  } catch (err) {
    if (!(err instanceof SettledError)) throw err;
    const [done] = await db.select().from(creditLedger).where(eq(creditLedger.idempotencyKey, key));
    if (done) return done;
    throw conflict("This reservation expired and was released before it could be confirmed; nothing was charged.");
  }
}

class SettledError extends Error {}

/**
 * Moves a pending reservation to `status`. The status check in the update makes it happen
 * once: a second confirm or release (or a release after a confirm) finds nothing and gets null.
 */
async function settleReservation(tx: Db, reservationId: string, status: "confirmed" | "released", now: Date) {
  const [reservation] = await tx
    .update(reservations)
    .set({ status, settledAt: now })
    .where(and(eq(reservations.id, reservationId), eq(reservations.status, "pending")))
    .returning();
  if (!reservation) return null;
  const kind: CreditKind = reservation.kind === "integration" ? "integration" : "message";
  return { reservation, kind, c: columns[kind] };
}

function copyOf(e: LedgerEvent) {
  return {
    requestHash: e.requestHash,
    actorUserId: e.actorUserId,
    payerAccountId: e.payerAccountId,
    payerUserId: e.payerUserId,
    workspaceId: e.workspaceId,
    appId: e.appId,
    action: e.action,
    kind: e.kind,
    quantity: e.quantity,
    amount: e.amount,
    reservationId: e.reservationId,
    cycleStart: e.cycleStart,
    source: e.source,
  };
}

/**
 * Gives a reservation's credits back (the AI call failed or timed out). Idempotent: a
 * reservation is released at most once, and never after it was confirmed.
 */
export async function releaseReservation(db: Db, reservationId: string, now: Date): Promise<boolean> {
  const held = await reservedEvent(db, reservationId);
  return db.transaction(async (tx) => {
    const settled = await settleReservation(tx, reservationId, "released", now);
    if (!settled) return false;
    const { reservation, kind, c } = settled;
    const [row] = await tx
      .update(accountUsage)
      .set(
        kind === "message"
          ? { messageReserved: sql`${c.reserved} - ${reservation.amount}`, updatedAt: now }
          : { integrationReserved: sql`${c.reserved} - ${reservation.amount}`, updatedAt: now },
      )
      .where(and(eq(accountUsage.accountId, reservation.accountId), eq(accountUsage.cycleStart, reservation.cycleStart)))
      .returning();
    await tx.insert(creditLedger).values({
      ...copyOf(held),
      idempotencyKey: `${held.idempotencyKey}:release`,
      outcome: "released",
      createdAt: now,
      ...snapshot(kindBalance(row!, kind)),
    });
    return true;
  });
}

/** Releases the account's reservations that outlived their expiry. Returns how many. */
export async function releaseExpiredReservations(db: Db, accountId: string, now: Date): Promise<number> {
  const expired = await db
    .select({ id: reservations.id })
    .from(reservations)
    .where(and(eq(reservations.accountId, accountId), eq(reservations.status, "pending"), lte(reservations.expiresAt, now)));
  let released = 0;
  for (const r of expired) if (await releaseReservation(db, r.id, now)) released++;
  return released;
}
