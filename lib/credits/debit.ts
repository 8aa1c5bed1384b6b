import { sql, type AnyColumn } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, appKeys, apps, creditLedger, topUpLots } from "@/db/schema";
import { beforeDeadline, DeadlineExceededError } from "@/lib/deadline";
import { afterCommit } from "@/lib/events";
import { invalid, isUniqueViolation, keyNotValid, notFound } from "@/lib/errors";
import { currentAppPayerSql, cycleOf, getActingAccount, getAppPayer, hasTopUps, type Account, type KindBalance } from "./accounts";
import { appRulesNow, capReachedNotice, holdAppUsage, lockAppCap, PayerChanged } from "./app-caps";
import { CHEAPEST, COSTS, costOf, type CreditKind } from "./costs";
import { findReplay, requestHash, validate, type DebitInput, type DebitResult, type Refusal } from "./debit-request";
import { eventOf, insertLedgerFrom, isLateCharge, ledgerRow, rowsOf, type LedgerBase, type LedgerInsert } from "./ledger";
import { lockLiveKeys, withRetry } from "./locks";
import { noticesAfterCharge, THRESHOLDS } from "./notices";
import { addMemberUse, fitsLimit, limitBalance, lockMemberUsage, memberLimitNotices, memberLimitOf, type MemberLimit, type MemberUsageRow } from "./member-limits";
import { settleModelSwitchIfDue } from "./model-switch";
import { holdReservation } from "./reservations";
import { settleDueChanges } from "./scheduled-changes";
import { lotsLeft, recordAutoTopUp, takeWithLots } from "./lots";
import { freshUsageRow, getUsageRow, kindBalance, NO_LOTS, takeCredits, usageColumns, type UsageRow } from "./usage";

export { IdempotencyConflictError, MAX_KEY_LENGTH, MAX_QUANTITY, requestHash, type DebitInput, type DebitResult } from "./debit-request";

/** Who pays: the prompter for message credits, the app's owner for integration credits (and the app's cap). */
async function resolvePayer(db: Db, input: DebitInput, now: Date): Promise<{ payer: Account; appCap: number | null }> {
  const kind = COSTS[input.action].kind;
  // A switch of credit model that came due is applied first: it decides who pays.
  await settleModelSwitchIfDue(db, input.workspaceId, now);
  if (kind === "integration" || (kind === null && !input.actorUserId)) {
    if (!input.appId) throw invalid("An integration action needs an app.");
    const { app, account } = await getAppPayer(db, input.appId);
    if (app.workspaceId !== input.workspaceId) throw notFound("App");
    return { payer: account, appCap: kind === "integration" ? app.integrationCap : null };
  }
  if (!input.actorUserId) throw invalid("A message action needs the person who prompted.");
  return { payer: await getActingAccount(db, { workspaceId: input.workspaceId, userId: input.actorUserId }), appCap: null };
}

export async function payerFor(db: Db, input: DebitInput, now: Date) {
  // A payer known from a moment ago is stale once its workspace's switch of credit model is due.
  const switched = !!input.switchAt && input.switchAt <= now;
  if (switched) await settleModelSwitchIfDue(db, input.workspaceId, now);
  const known = COSTS[input.action].kind === "integration" && input.payer && !switched ? { payer: input.payer, appCap: input.appCap ?? null } : undefined;
  const found = known ?? (await resolvePayer(db, input, now));
  // A scheduled downgrade or removal that has come due is applied before the charge, so the
  // new cycle starts on the right plan (or the removed seat's holder pays from free credits).
  if (found.payer.pendingChangeAt && found.payer.pendingChangeAt <= now) {
    await settleDueChanges(db, found.payer.id, now);
    return resolvePayer(db, { ...input, payer: undefined }, now);
  }
  return found;
}

/** Tries of a charge whose remembered payer turned out to have changed (read afresh each time). */
const PAYER_TRIES = 3;

async function charge(db: Db, input: DebitInput, now: Date, mode: "use" | "reserve"): Promise<DebitResult> {
  for (let tries = 1; ; tries++) {
    try {
      return await chargeOnce(db, input, now, mode);
    } catch (err) {
      if (!(err instanceof PayerChanged) || tries >= PAYER_TRIES) throw err;
      // The app's payer changed since its key was looked up: find it again, from the database.
      input = { ...input, payer: undefined, appCap: undefined };
    }
  }
}

async function chargeOnce(db: Db, input: DebitInput, now: Date, mode: "use" | "reserve"): Promise<DebitResult> {
  const quantity = validate(input);
  beforeDeadline(input.deadline);
  const hash = requestHash(input);
  const cost = COSTS[input.action];
  // A charge that is neither free nor a reservation tries the one-statement path first; a
  // replayed key is found there by the unique index (and answered below).
  const oneStatement = mode === "use" && cost.kind !== null;
  if (!oneStatement) {
    const replay = await findReplay(db, input, hash);
    if (replay) return replay;
  }

  // Which rows to read (the payer, the cap as last seen); the rules themselves are read again
  // inside the charge (appRulesNow, and the one statement's own check).
  const { payer, appCap: capSeen } = await payerFor(db, input, now);
  const capped = capSeen !== null && !!input.appId;
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
  const notices = (tx: Db, kind: CreditKind, balance: { used: number; allowance: number; topUp?: number }) =>
    noticesAfterCharge(tx, { account: payer, workspaceId: input.workspaceId, kind, cycleStart: cycle.start, balance, amount }, now);
  // After COMMIT nothing can turn a committed charge into an error: telling open pages is best effort.
  const afterCharge = (result: DebitResult) => {
    if (result.outcome === "charged" || result.outcome === "reserved") {
      afterCommit([payer.holderUserId, input.actorUserId]);
    }
    return result;
  };
  // A charge that could cross the owner's auto top-up threshold records the purchase in its own
  // transaction: the general path below.
  // A message charged to a shared pool also counts against the prompter's limit there: the
  // general path, which locks the member's row before the pool's.
  const pooledMessage = payer.type === "pool" && cost.kind === "message" && !!input.actorUserId;
  const autoTopUp = cost.kind !== null && hasTopUps(payer) && !!payer.autoTopUp?.[cost.kind as "message" | "integration"]?.enabled;

  try {
    if (oneStatement && !capped && !autoTopUp && !pooledMessage) {
      // A deadlock broken by PostgreSQL (a capped charge of the same app takes its cap row before
      // the usage row; this statement reaches the cap row after, through the rollup trigger)
      // rolled the statement back whole: it runs again.
      const done = await withRetry(() => chargeInOneStatement(db, ledgerRow(base, { kind: cost.kind!, amount, outcome: "charged" }), cost.kind!, amount, now, input.deadline, input.keyId));
      if (done) {
        // The one statement only charges what crosses no notice threshold: nothing else to write.
        return afterCharge({ outcome: "charged", replay: false, event: done.event, balance: { ...done.balance, cycleStart: cycle.start, cycleEnd: cycle.end } });
      }
      // Not charged in one statement: no usage row yet for this cycle, or the allowance does
      // not cover it (top-ups may), or not enough credits. The general path decides which.
      beforeDeadline(input.deadline);
    }
    // Checked after the transaction's last statement, before COMMIT: past the deadline,
    // everything in it rolls back.
    const result = await withRetry(() =>
      db.transaction(async (tx) => {
        const r = await chargeInTransaction(tx);
        beforeDeadline(input.deadline);
        return r;
      }),
    );
    return afterCharge(result);

    async function chargeInTransaction(tx: Db): Promise<DebitResult> {
      // The key first (the metering API): a revoked one charges nothing, not even a refusal.
      if (input.keyId && !(await lockLiveKeys(tx, [input.keyId])).has(input.keyId)) throw keyNotValid();
      const record = async (row: LedgerInsert) => (await tx.insert(creditLedger).values(row).returning())[0]!;
      if (cost.kind === null) {
        const balance = kindBalance((await getUsageRow(tx, payer.id, cycle.start)) ?? freshUsageRow(payer, cycle), "message");
        const event = await record(ledgerRow(base, { kind: "none", amount: 0, outcome: "free", balance }));
        return { outcome: "free", replay: false, event, balance };
      }
      const kind = cost.kind;
      const balanceNow = async (known?: UsageRow): Promise<KindBalance> => {
        const row = known ?? (await getUsageRow(tx, payer.id, cycle.start)) ?? freshUsageRow(payer, cycle);
        return kindBalance(row, kind, hasTopUps(payer) ? (await lotsLeft(tx, payer.id, now))[kind] : NO_LOTS);
      };
      const refuse = async (refusal: Refusal, balance: KindBalance): Promise<DebitResult> => {
        const event = await record(ledgerRow(base, { kind, amount, outcome: "refused", balance, refusal }));
        return { outcome: "refused", replay: false, event, balance, kind, resetsAt: cycle.end, refusal };
      };
      const appCycle = { appId: input.appId!, payerAccountId: payer.id, cycleStart: cycle.start };
      // An app's integration: its cap and payer as they are now, the app's row held until the end.
      const appCap = kind === "integration" && input.appId ? (await appRulesNow(tx, input.appId, payer.id)).cap : null;
      // The app's own cap first: its row stays locked until this charge commits or refuses.
      if (appCap !== null) {
        const cap = await lockAppCap(tx, { ...appCycle, cap: appCap, amount });
        if (!cap.fits) {
          await capReachedNotice(tx, payer, input.workspaceId, input.appId!, appCap, cycle.start, now);
          return refuse("app_cap_reached", await balanceNow());
        }
      }
      const into = mode === "use" ? "used" : "reserved";
      // The prompter's limit in a pool: their row locked first, the pool's usage row after.
      const member = pooledMessage ? { workspaceId: input.workspaceId, userId: input.actorUserId!, cycleStart: cycle.start } : null;
      let memberLimit: { row: MemberUsageRow; limit: MemberLimit } | null = null;
      if (member) {
        // The member's row locked first, then their limit read: a limit changed meanwhile is seen.
        const row = await lockMemberUsage(tx, member.workspaceId, member.userId, cycle, now);
        const limit = (await memberLimitOf(tx, member.workspaceId, member.userId, payer.messageAllowance)) ?? { limit: null, source: "none" as const };
        if (!fitsLimit(row, limit, amount)) return refuse("member_limit", limitBalance(row, limit.limit!));
        memberLimit = { row, limit };
      }
      const taken = await takeCredits(tx, payer, cycle, kind, amount, into, now);
      const withLots = taken.taken ? null : await takeWithLots(tx, payer, cycle, kind, amount, into, now);
      const balance = await balanceNow(withLots?.row ?? taken.row);
      if (!taken.taken && !withLots) return refuse("insufficient_credits", balance);
      if (member && memberLimit) {
        await addMemberUse(tx, member, amount, into, now);
        await memberLimitNotices(tx, { ...member, limit: memberLimit.limit, before: memberLimit.row.messageUsed + memberLimit.row.messageReserved, amount, accountId: payer.id }, now);
      }
      // A held integration counts against its app until it is confirmed (then the ledger row counts it) or released.
      if (mode === "reserve" && kind === "integration" && input.appId) await holdAppUsage(tx, { ...appCycle, amount });
      await recordAutoTopUp(tx, payer, { kind, before: balance.available + amount, after: balance.available, cycleStart: cycle.start }, now);
      const draw = withLots ? { fromAllowance: withLots.fromAllowance, lotParts: withLots.lotParts } : undefined;
      if (mode === "reserve") {
        const reservationId = await holdReservation(tx, { accountId: payer.id, cycleStart: cycle.start, kind, amount, memberUserId: member?.userId, ...draw }, now);
        const event = await record(ledgerRow({ ...base, reservationId }, { kind, amount, outcome: "reserved", balance, draw }));
        return { outcome: "reserved", replay: false, event, balance };
      }
      const event = await record(ledgerRow(base, { kind, amount, outcome: "charged", balance, draw }));
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
async function chargeInOneStatement(db: Db, row: LedgerInsert, kind: CreditKind, amount: number, now: Date, deadline?: Date, keyId?: string) {
  const c = usageColumns[kind];
  const usedCol = sql.identifier(c.used.name);
  const lots = (what: ReturnType<typeof sql>) => sql`(select ${what} from ${topUpLots}
    where ${topUpLots.accountId} = ${row.payerAccountId} and ${topUpLots.kind} = ${kind}::credit_kind and ${topUpLots.pausedAt} is null
      and ${topUpLots.expiresAt} > ${now.toISOString()}::timestamptz and ${topUpLots.used} < ${topUpLots.credits})`;
  // With an app key: its row locked FOR SHARE and live, or nothing is charged here (the general
  // path then says why).
  const key = keyId ? sql`key as (select id from ${appKeys} where ${appKeys.id} = ${keyId}::uuid and ${appKeys.revokedAt} is null for share),` : sql``;
  const keyLive = keyId ? sql`and exists (select 1 from key)` : sql``;
  // An app's integration: only while it has no cap and the payer is still the one it had a
  // moment ago (both read now, in this statement); else the general path reads them under lock.
  const appNow =
    kind === "integration" && row.appId
      ? sql`and exists (select 1 from ${apps} where ${apps.id} = ${row.appId}::uuid and ${apps.integrationCap} is null and ${currentAppPayerSql} = ${row.payerAccountId}::uuid)`
      : sql``;
  const result = await db.execute(sql`
    with ${key} upd as (
      update ${accountUsage} set ${usedCol} = ${c.used} + ${amount}, updated_at = ${now.toISOString()}::timestamptz
      where ${accountUsage.accountId} = ${row.payerAccountId} and ${accountUsage.cycleStart} = ${row.cycleStart!.toISOString()}::timestamptz
        and ${c.used} + ${c.reserved} + ${amount} <= ${c.allowance} ${keyLive} ${appNow}
        and not (${crossesNoticeThreshold(c.used, c.allowance, amount, kind)})
      returning ${c.allowance} as allowance, ${c.used} as used, ${c.reserved} as reserved,
        ${lots(sql`coalesce(sum(${topUpLots.credits} - ${topUpLots.used}), 0)`)} as top_up, ${lots(sql`min(${topUpLots.expiresAt})`)} as top_up_expires
    ), ins as (
      ${insertLedgerFrom(row, { allowance: sql`upd.allowance`, used: sql`upd.used`, remaining: sql`upd.allowance - upd.used - upd.reserved`, topUp: sql`upd.top_up`, topUpExpiresAt: sql`upd.top_up_expires` }, sql`upd`, deadline)}
      returning id, balance_allowance, balance_used, balance_remaining, balance_top_up, balance_top_up_expires_at
    )
    select * from ins`);
  const [r] = rowsOf<Record<string, string | number | Date | null>>(result);
  if (!r) return null;
  const b = { allowance: Number(r.balance_allowance), used: Number(r.balance_used), remaining: Number(r.balance_remaining), topUp: Number(r.balance_top_up) };
  const topUpExpiresAt = r.balance_top_up_expires_at ? new Date(r.balance_top_up_expires_at) : null;
  const event = eventOf({ ...row, balanceAllowance: b.allowance, balanceUsed: b.used, balanceRemaining: b.remaining, balanceTopUp: b.topUp, balanceTopUpExpiresAt: topUpExpiresAt }, Number(r.id));
  return { event, balance: { kind, ...b, reserved: b.allowance - b.used - b.remaining, topUpExpiresAt, available: b.remaining + b.topUp } };
}

/**
 * SQL for "this charge crosses a usage notice threshold" (crossedThresholds in notices.ts, the
 * same integer comparisons): such a charge takes the general path, which writes the notice in
 * its own transaction.
 */
function crossesNoticeThreshold(used: AnyColumn, allowance: AnyColumn, amount: number, kind: CreditKind) {
  const cheapest = CHEAPEST[kind];
  const crossings = THRESHOLDS.map((t) =>
    t === 100
      ? sql`(${allowance} - ${used} >= ${cheapest} and ${allowance} - (${used} + ${amount}) < ${cheapest})`
      : sql`(${used} * 100 < ${t} * ${allowance} and (${used} + ${amount}) * 100 >= ${t} * ${allowance})`,
  );
  return sql.join(crossings, sql` or `);
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
