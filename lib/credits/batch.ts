import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, topUpLots, type LotParts } from "@/db/schema";
import { beforeDeadline, DeadlineExceededError } from "@/lib/deadline";
import { DomainError, keyNotValid } from "@/lib/errors";
import { afterCommit } from "@/lib/events";
import { cycleOf, getAccount, hasTopUps, type Account, type KindBalance } from "./accounts";
import { appRulesNow, capReachedNotice, lockAppCap, PayerChanged } from "./app-caps";
import { COSTS, costOf, type CreditKind } from "./costs";
import { payerFor } from "./debit";
import { IdempotencyConflictError, replayOf, requestHash, validate, type DebitInput, type DebitResult, type Refusal } from "./debit-request";
import { ArchivedKeyError, eventOf, insertLedgerRows, isLateCharge, ledgerByKeys, ledgerRow, type LedgerBase, type LedgerEvent, type LedgerInsert } from "./ledger";
import { recordThresholdNotices } from "./notices";
import { lockLiveKeys, lockUsageRow, withRetry } from "./locks";
import { lockUsableLots, recordAutoTopUp } from "./lots";
import { ensureUsageRow, kindBalance, usageColumns, type UsageRow } from "./usage";

/**
 * A batch of one payer's charges as sets: one transaction that locks the payer's usage row
 * (and the app's cap row, and the usable lots) once, walks the events in order charging each
 * that fits — allowance first, then lots by earliest expiry, all or nothing per event — and
 * writes one usage update, one update per lot drawn, and one multi-row ledger insert. Each
 * event answers exactly as `debitCredits` would have, in the same order.
 *
 * Replays are found before (keys already in the ledger) and during (a concurrent request that
 * inserted one of our keys first: our insert skips it, the transaction rolls back whole and
 * runs again, answering that event as the replay it now is).
 */
export type BatchAnswer = { result: DebitResult } | { error: DomainError };

/** What the walk of one event decided, before anything is written. */
type Step =
  | { outcome: "charged"; amount: number; fromAllowance: number | null; lotParts: LotParts; balance: KindBalance }
  | { outcome: "refused"; amount: number; refusal: Refusal; balance: KindBalance };

/** Raised inside the transaction when a concurrent request took one of the keys: run again. */
class KeyTakenMeanwhile extends Error {}

const MAX_ATTEMPTS = 5;

/** All integration charges (`use`) of one app, so one payer: what the metering batch sends. */
export async function debitBatch(db: Db, inputs: DebitInput[], now: Date, deadline?: Date): Promise<BatchAnswer[]> {
  const answers: (BatchAnswer | null)[] = inputs.map(() => null);
  const prepared: { i: number; input: DebitInput; hash: string; amount: number; quantity: number }[] = [];
  for (const [i, input] of inputs.entries()) {
    try {
      const quantity = validate(input);
      if (COSTS[input.action].kind !== "integration" || !input.appId) throw new Error("debitBatch charges integration actions of one app");
      prepared.push({ i, input, hash: requestHash(input), amount: costOf(input.action, quantity), quantity });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      answers[i] = { error: err };
    }
  }
  if (prepared.length === 0) return answers as BatchAnswer[];
  beforeDeadline(deadline);
  const appIds = new Set(prepared.map((p) => p.input.appId));
  if (appIds.size !== 1) throw new Error("debitBatch charges the events of one app");

  // Which rows to read; the app's cap and payer are read again inside the transaction.
  let { payer } = await payerFor(db, prepared[0]!.input, now);
  let cycle = cycleOf(payer, now);
  const kind: CreditKind = "integration";
  let committed: { events: LedgerEvent[]; steps: Step[]; charged: typeof prepared } | null = null;
  let settled = false;

  for (let attempt = 0; attempt < MAX_ATTEMPTS && !settled; attempt++) {
    // Keys already in the ledger (an earlier request's, or one that won a race with ours).
    const existing = await ledgerByKeys(db, prepared.map((p) => p.input.key));
    // A replay's balance needs its payer's account: read once per payer, not once per event.
    const accounts = new Map<string, Promise<Account>>();
    const accountOf = (id: string) => accounts.get(id) ?? (accounts.set(id, getAccount(db, id)), accounts.get(id)!);
    const seen = new Set<string>();
    const toCharge: typeof prepared = [];
    for (const p of prepared) {
      const found = existing.get(p.input.key);
      if (found === "archived") {
        answers[p.i] = { error: new ArchivedKeyError() };
      } else if (found) {
        answers[p.i] = found.requestHash === p.hash ? { result: await replayOf(db, found, accountOf) } : { error: new IdempotencyConflictError() };
      } else if (seen.has(p.input.key)) {
        // The same key twice in one batch: the later one is answered after, from the first.
        answers[p.i] = null;
      } else {
        seen.add(p.input.key);
        answers[p.i] = null;
        toCharge.push(p);
      }
    }
    if (toCharge.length === 0) {
      settled = true;
      break;
    }
    try {
      // Rerun whole after a deadlock PostgreSQL broke (see debit.ts), as after a key taken meanwhile.
      committed = await withRetry(() => db.transaction(async (tx) => {
        // The keys first (the metering API): an event sent with a revoked key charges nothing.
        const withKey = toCharge.flatMap((p) => (p.input.keyId ? [p.input.keyId] : []));
        const live = await lockLiveKeys(tx, withKey);
        const charged = toCharge.filter((p) => !p.input.keyId || live.has(p.input.keyId));
        const r = charged.length > 0 ? await chargeAll(tx, charged) : { events: [], steps: [] };
        beforeDeadline(deadline);
        return { ...r, charged };
      }));
      settled = true;
      const charged = new Map(committed.charged.map((p, n) => [p, n]));
      for (const p of toCharge) {
        const n = charged.get(p);
        answers[p.i] = n === undefined ? { error: keyNotValid() } : { result: resultOf(committed.events[n]!, committed.steps[n]!, cycle.end) };
      }
    } catch (err) {
      if (err instanceof KeyTakenMeanwhile) continue;
      if (err instanceof PayerChanged) {
        // The app's payer changed since its key was looked up: find it again, from the database.
        ({ payer } = await payerFor(db, { ...prepared[0]!.input, payer: undefined, appCap: undefined }, now));
        cycle = cycleOf(payer, now);
        continue;
      }
      if (isLateCharge(err)) throw new DeadlineExceededError();
      throw err;
    }
  }
  if (!settled) throw new Error("a metering batch could not settle its keys: other requests kept taking them");

  // Later occurrences of a key in the same batch: the replay of the first (or its conflict).
  for (const p of prepared) {
    if (answers[p.i] !== null) continue;
    const first = prepared.find((q) => q.input.key === p.input.key && answers[q.i] !== null && q.i < p.i);
    const firstAnswer = first ? answers[first.i]! : null;
    if (!first || !firstAnswer || "error" in firstAnswer) {
      answers[p.i] = firstAnswer ?? { error: new IdempotencyConflictError() };
      continue;
    }
    answers[p.i] = first.hash === p.hash ? { result: { ...firstAnswer.result, replay: true } as DebitResult } : { error: new IdempotencyConflictError() };
  }

  if (committed?.steps.some((s) => s.outcome === "charged")) {
    afterCommit([payer.holderUserId]);
  }
  return answers as BatchAnswer[];

  async function chargeAll(tx: Db, list: typeof prepared): Promise<{ events: LedgerEvent[]; steps: Step[] }> {
    const appId = list[0]!.input.appId!;
    // Lock order as a single charge's: the app's row (its cap and payer as they are now), its
    // cap row, the usage row, then the lots.
    const appCap = (await appRulesNow(tx, appId, payer.id)).cap;
    const capped = appCap !== null;
    let capUsed = capped ? (await lockAppCap(tx, { appId, payerAccountId: payer.id, cycleStart: cycle.start, cap: appCap, amount: 0 })).used : 0;
    const row = await lockOrMakeUsageRow(tx, payer, cycle);
    const lots = hasTopUps(payer) ? (await lockUsableLots(tx, payer.id, kind, now)).map((l) => ({ ...l, drawn: 0 })) : [];
    const c = usageColumns[kind];
    const allowance = row.integrationAllowance;
    const reserved = row.integrationReserved;
    const usedAtStart = row.integrationUsed;
    let used = usedAtStart;
    const lotsLeft = () => lots.reduce((s, l) => s + l.credits - l.used - l.drawn, 0);
    const availableAtStart = allowance - used - reserved + lotsLeft();
    // The balance after each step, built as every balance is (usage.ts), from the row as it stands then.
    const balance = (): KindBalance =>
      kindBalance({ ...row, integrationUsed: used }, kind, { remaining: lotsLeft(), nextExpiresAt: lots.find((l) => l.credits - l.used - l.drawn > 0)?.expiresAt ?? null });

    const steps: Step[] = [];
    let capRefused = false;
    for (const p of list) {
      const amount = p.amount;
      if (capped && capUsed + amount > appCap!) {
        capRefused = true;
        steps.push({ outcome: "refused", amount, refusal: "app_cap_reached", balance: balance() });
        continue;
      }
      const remaining = allowance - used - reserved;
      if (amount <= remaining) {
        used += amount;
        capUsed += amount;
        steps.push({ outcome: "charged", amount, fromAllowance: null, lotParts: [], balance: balance() });
        continue;
      }
      const fromAllowance = Math.max(0, Math.min(amount, remaining));
      let owed = amount - fromAllowance;
      if (!hasTopUps(payer) || lotsLeft() < owed) {
        steps.push({ outcome: "refused", amount, refusal: "insufficient_credits", balance: balance() });
        continue;
      }
      const parts: LotParts = [];
      for (const lot of lots) {
        if (owed === 0) break;
        const take = Math.min(lot.credits - lot.used - lot.drawn, owed);
        if (take <= 0) continue;
        lot.drawn += take;
        parts.push({ lotId: lot.id, amount: take });
        owed -= take;
      }
      used += fromAllowance;
      capUsed += amount;
      steps.push({ outcome: "charged", amount, fromAllowance, lotParts: parts, balance: balance() });
    }

    if (used !== usedAtStart) {
      await tx
        .update(accountUsage)
        .set({ integrationUsed: sql`${c.used} + ${used - usedAtStart}`, updatedAt: now })
        .where(and(eq(accountUsage.accountId, payer.id), eq(accountUsage.cycleStart, cycle.start)));
    }
    for (const lot of lots) {
      if (lot.drawn > 0) await tx.update(topUpLots).set({ used: sql`${topUpLots.used} + ${lot.drawn}` }).where(eq(topUpLots.id, lot.id));
    }

    const rows: LedgerInsert[] = list.map((p, n) => {
      const s = steps[n]!;
      const base: LedgerBase = {
        idempotencyKey: p.input.key,
        requestHash: p.hash,
        actorUserId: p.input.actorUserId,
        payerAccountId: payer.id,
        payerUserId: payer.holderUserId,
        workspaceId: p.input.workspaceId,
        appId: p.input.appId ?? null,
        action: p.input.action,
        quantity: p.quantity,
        cycleStart: cycle.start,
        source: p.input.source ?? "editor",
        createdAt: now,
      };
      return s.outcome === "charged"
        ? ledgerRow(base, { kind, amount: s.amount, outcome: "charged", balance: s.balance, draw: s.fromAllowance === null ? undefined : { fromAllowance: s.fromAllowance, lotParts: s.lotParts } })
        : ledgerRow(base, { kind, amount: s.amount, outcome: "refused", balance: s.balance, refusal: s.refusal });
    });
    // Past the deadline when the rows go in, the statement fails whole and so does the
    // transaction: nothing is charged (see insertLedgerRows).
    const ids = await insertLedgerRows(tx, rows, deadline);
    if (ids.size !== rows.length) throw new KeyTakenMeanwhile();

    // What crossing happened over the whole batch: threshold notices once, the cap's notice
    // once, and the auto top-up's purchase once (each is exactly-once by its own key too).
    if (used !== usedAtStart) {
      await recordThresholdNotices(tx, {
        accountId: payer.id,
        holderUserId: payer.holderUserId,
        pool: payer.type === "pool",
        workspaceId: payer.workspaceId ?? list[0]!.input.workspaceId,
        kind,
        cycleStart: cycle.start,
        before: usedAtStart,
        after: used,
        allowance,
        now,
        topUpLeft: lotsLeft(),
      });
    }
    if (capRefused) await capReachedNotice(tx, payer, list[0]!.input.workspaceId, appId, appCap!, cycle.start, now);
    const availableAtEnd = balance().available;
    if (availableAtEnd < availableAtStart) await recordAutoTopUp(tx, payer, { kind, before: availableAtStart, after: availableAtEnd, cycleStart: cycle.start }, now);
    return { events: rows.map((r) => eventOf(r, ids.get(r.idempotencyKey)!)), steps };
  }
}

/** The usage row of the payer's cycle, locked (created at the full allowance on first touch). */
async function lockOrMakeUsageRow(tx: Db, payer: Account, cycle: { start: Date; end: Date }): Promise<UsageRow> {
  const found = await lockUsageRow(tx, payer.id, cycle.start);
  if (found) return found;
  await ensureUsageRow(tx, payer, cycle);
  return (await lockUsageRow(tx, payer.id, cycle.start))!;
}

function resultOf(event: LedgerEvent, step: Step, resetsAt: Date): DebitResult {
  if (step.outcome === "refused") return { outcome: "refused", replay: false, event, balance: step.balance, kind: "integration", resetsAt, refusal: step.refusal };
  return { outcome: "charged", replay: false, event, balance: step.balance };
}
