import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, creditLedger } from "@/db/schema";
import { beforeDeadline, DeadlineExceededError } from "@/lib/deadline";
import { DomainError, invalid, isUniqueViolation, notFound } from "@/lib/errors";
import { cycleOf, getAccount, getActingAccount, getAppPayer, type Account, type KindBalance } from "./accounts";
import { COSTS, costOf, type ActionName, type CreditKind } from "./costs";
import {
  balanceOfEvent, eventOf, findLedgerEvent, insertLedgerFrom, isLateCharge, ledgerRow, rowsOf, type LedgerBase, type LedgerEvent, type LedgerInsert,
} from "./ledger";
import { noticesAfterCharge } from "./notices";
import { settleDueChanges } from "./scheduled-changes";
import { holdReservation } from "./reservations";
import { freshUsageRow, getUsageRow, kindBalance, takeCredits, usageColumns } from "./usage";

export const MAX_QUANTITY = 1_000_000;
/** The longest idempotency key a caller may send (the API's header, the editor's request id). */
export const MAX_KEY_LENGTH = 200;
/** The caller's key with its scope in front ("app:<uuid>:" or "user:<uuid>:"). */
const MAX_SCOPED_KEY_LENGTH = MAX_KEY_LENGTH + 64;

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
   * When the caller stops waiting. A charge that cannot commit before it is abandoned in the
   * database (never charged after its caller was told it failed).
   */
  deadline?: Date;
  /** What else makes this request this request (a manual edit's field and value): part of its hash. */
  details?: string;
  /**
   * The app owner's account, when the caller already has it from the same query that found
   * the app (the metering API, with the key). Saves the hot path a round trip.
   */
  payer?: Account;
}

export type DebitResult =
  | { outcome: "charged" | "free" | "reserved"; replay: boolean; event: LedgerEvent; balance: KindBalance }
  /** `resetsAt`: when the refused kind's cycle ends and the full allowance is back. */
  | { outcome: "refused"; replay: boolean; event: LedgerEvent; balance: KindBalance; kind: CreditKind; resetsAt: Date };

export class IdempotencyConflictError extends DomainError {
  constructor() {
    super("idempotency_conflict", "This idempotency key was already used for a different request.");
  }
}

/** The hash that tells "the same request again" from "another request with the same key". */
export function requestHash(input: DebitInput): string {
  const canonical = JSON.stringify([input.action, input.quantity ?? 1, input.workspaceId, input.appId ?? null, input.actorUserId ?? null, ...(input.details ? [input.details] : [])]);
  return createHash("sha256").update(canonical).digest("hex");
}

function validate(input: DebitInput): number {
  const quantity = input.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw invalid(`Quantity must be a whole number from 1 to ${MAX_QUANTITY.toLocaleString("en-US")}.`);
  }
  if (!(input.action in COSTS)) throw invalid(`Unknown action "${String(input.action)}".`);
  if (!input.key || input.key.length > MAX_SCOPED_KEY_LENGTH) throw invalid(`An idempotency key of 1 to ${MAX_KEY_LENGTH} characters is required.`);
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
  return getActingAccount(db, { workspaceId: input.workspaceId, userId: input.actorUserId });
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

/** A replay: the first result for this key, rebuilt from its ledger row. Charges nothing. */
async function findReplay(db: Db, input: DebitInput, hash: string): Promise<DebitResult | null> {
  const event = await findLedgerEvent(db, input.key);
  if (!event) return null;
  if (event.requestHash !== hash) throw new IdempotencyConflictError();
  const balance = balanceOfEvent(event, event.payerAccountId ? await getAccount(db, event.payerAccountId) : null);
  if (event.outcome === "refused") return { outcome: "refused", replay: true, event, balance, kind: balance.kind, resetsAt: balance.cycleEnd };
  const outcome = event.outcome === "reserved" ? "reserved" : event.outcome === "free" ? "free" : "charged";
  return { outcome, replay: true, event, balance };
}

async function charge(db: Db, input: DebitInput, now: Date, mode: "use" | "reserve"): Promise<DebitResult> {
  const quantity = validate(input);
  beforeDeadline(input.deadline);
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
  const base: LedgerBase = {
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
  const notices = (tx: Db, kind: CreditKind, balance: { used: number; allowance: number }) =>
    noticesAfterCharge(tx, { account: payer, workspaceId: input.workspaceId, kind, cycleStart: cycle.start, balance, amount }, now);

  try {
    if (fast) {
      const done = await chargeInOneStatement(db, ledgerRow(base, { kind: cost.kind!, amount, outcome: "charged" }), cost.kind!, amount, now, input.deadline);
      if (done) {
        await notices(db, cost.kind!, done.balance);
        return { outcome: "charged", replay: false, event: done.event, balance: { ...done.balance, cycleStart: cycle.start, cycleEnd: cycle.end } };
      }
      // Not charged: no usage row yet for this cycle, not enough credits, or the deadline
      // passed while waiting for the row. The general path below decides which.
      beforeDeadline(input.deadline);
    }
    // Checked after the transaction's last statement, before COMMIT: past the deadline,
    // everything in it rolls back.
    return await db.transaction(async (tx) => {
      const result = await chargeInTransaction(tx);
      beforeDeadline(input.deadline);
      return result;
    });
    async function chargeInTransaction(tx: Db): Promise<DebitResult> {
      const record = async (row: LedgerInsert) => (await tx.insert(creditLedger).values(row).returning())[0]!;
      if (cost.kind === null) {
        const balance = kindBalance((await getUsageRow(tx, payer.id, cycle.start)) ?? freshUsageRow(payer, cycle), "message");
        const event = await record(ledgerRow(base, { kind: "none", amount: 0, outcome: "free", balance }));
        return { outcome: "free", replay: false, event, balance };
      }
      const kind = cost.kind;
      const result = await takeCredits(tx, payer, cycle, kind, amount, mode === "use" ? "used" : "reserved", now);
      const balance = kindBalance(result.row, kind);
      if (!result.taken) {
        const event = await record(ledgerRow(base, { kind, amount, outcome: "refused", balance }));
        return { outcome: "refused", replay: false, event, balance, kind, resetsAt: cycle.end };
      }
      if (mode === "reserve") {
        const reservationId = await holdReservation(tx, { accountId: payer.id, cycleStart: cycle.start, kind, amount }, now);
        const event = await record(ledgerRow({ ...base, reservationId }, { kind, amount, outcome: "reserved", balance }));
        return { outcome: "reserved", replay: false, event, balance };
      }
      const event = await record(ledgerRow(base, { kind, amount, outcome: "charged", balance }));
      await notices(tx, kind, balance);
      return { outcome: "charged", replay: false, event, balance };
    }
  } catch (err) {
    if (isLateCharge(err)) throw new DeadlineExceededError();
    // Another request with this key committed first: our transaction rolled back whole, so
    // nothing was charged twice; answer with the first result.
    if (isUniqueViolation(err, "credit_ledger_idempotency_key_unique")) {
      const first = await findReplay(db, input, hash);
      if (first) return first;
    }
    throw err;
  }
}

/**
 * The hot path in a single statement (so a single round trip and an implicit transaction):
 * the conditional update and the ledger insert in one CTE. Either both happen or neither:
 * no row fits → nothing inserted; a reused idempotency key → the unique index fails the whole
 * statement. Returns null when nothing was charged.
 */
async function chargeInOneStatement(db: Db, row: LedgerInsert, kind: CreditKind, amount: number, now: Date, deadline?: Date) {
  const c = usageColumns[kind];
  const usedCol = sql.identifier(c.used.name);
  const result = await db.execute(sql`
    with upd as (
      update ${accountUsage} set ${usedCol} = ${c.used} + ${amount}, updated_at = ${now.toISOString()}::timestamptz
      where ${accountUsage.accountId} = ${row.payerAccountId} and ${accountUsage.cycleStart} = ${row.cycleStart!.toISOString()}::timestamptz
        and ${c.used} + ${c.reserved} + ${amount} <= ${c.allowance}
      returning ${c.allowance} as allowance, ${c.used} as used, ${c.reserved} as reserved
    )
    ${insertLedgerFrom(row, { allowance: sql`upd.allowance`, used: sql`upd.used`, remaining: sql`upd.allowance - upd.used - upd.reserved` }, sql`upd`, deadline)}
    returning id, balance_allowance, balance_used, balance_remaining`);
  const [r] = rowsOf<Record<string, string | number>>(result);
  if (!r) return null;
  const balance = { allowance: Number(r.balance_allowance), used: Number(r.balance_used), remaining: Number(r.balance_remaining) };
  const event = eventOf({ ...row, balanceAllowance: balance.allowance, balanceUsed: balance.used, balanceRemaining: balance.remaining }, Number(r.id));
  return { event, balance: { kind, ...balance, reserved: balance.allowance - balance.used - balance.remaining } };
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
