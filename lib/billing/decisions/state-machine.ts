/** A paid decision's walk: recorded → paying → paid → applied, or failed/voided (refunded where money moved). */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { IN_FLIGHT_STATUSES, PLAN_CHANGE_STATUSES, planChanges } from "@/db/schema";
import { askToConfirm, decisionMail, describe } from "./decision-mail";
import { enqueueDecision, findDecision, getDecision, providerKey } from "./queries";
import type { Account } from "@/lib/credits/accounts";
import { withRetry } from "@/lib/credits/locks";
import { PaymentActionRequiredError, PaymentDeclinedError, type PaymentProvider } from "@/lib/billing/payments/provider";
import type { PlanChange } from "@/lib/credits/scheduled-changes";
import { conflict, isUniqueViolation } from "@/lib/errors";
import { afterCommit } from "@/lib/events";

/**
 * An owner's decision that costs money (add a seat, upgrade, buy top-ups, an auto top-up) is a
 * durable state machine:
 *
 *   recorded ──► paying ──► paid ──► applied
 *       │           │         │
 *       ▼           ▼         ▼
 *     voided      failed    voided (+ refund)
 *
 * recorded: written with its key, under the seat's lock, in the same transaction as the job
 *   that drives it (so a decision exists if and only if its job does).
 * paying: the provider is (being) charged, always with the decision's key: a retry charges once.
 * paid: the provider confirmed. applied: its effect is in place (a lot, a seat, a plan), once.
 * failed: the provider declined; nothing moved. voided: it could no longer apply (the seat
 *   ended meanwhile, or an operator voided it); refunded if money moved.
 *
 * Whoever gets there first moves it on: the request that recorded it (inline, so the owner sees
 * the result at once), the queue's job, the worker's sweep, or the operator's CLI. Every step
 * is a compare-and-set on the status, so running it twice does nothing more.
 *
 * The lock order every transaction here follows is written as code in locks.ts.
 */

export type Seat = Account & { workspaceId: string };

export type DecisionStatus = (typeof PLAN_CHANGE_STATUSES)[number];

/** What a kind of decision does when it applies, and what would stop it. */
export interface DecisionApplier {
  /** Locks what the decision touches (the seat first) and says why it can no longer apply, or null. */
  check(tx: Db, change: PlanChange, now: Date): Promise<string | null>;
  /** Applies it; returns the people whose balances moved (told after commit). */
  apply(tx: Db, change: PlanChange, now: Date): Promise<(string | null)[]>;
  /** After a declined payment (an auto top-up switches itself off and tells the owner). */
  failed?(tx: Db, change: PlanChange, reason: string, now: Date): Promise<void>;
}

export interface DecisionContext {
  provider: PaymentProvider;
  applier: DecisionApplier;
  now?: () => Date;
  /** How long the provider may take to answer before this attempt gives up (the job retries). */
  providerTimeoutMs?: number;
}

/** The provider did not answer in time (or failed): the decision stays `paying` and its job retries. */
export class DecisionPendingError extends Error {
  constructor(readonly decisionId: string, cause: unknown) {
    super(`Decision ${decisionId} is still being paid for: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "DecisionPendingError";
  }
}

/**
 * Records a decision and its job in one transaction; a concurrent copy of the same decision
 * (same key) finds the first. `record` locks the seat, re-checks it and inserts the row.
 */
export async function recordDecision(db: Db, workspaceId: string, key: string, record: (tx: Db) => Promise<PlanChange>): Promise<PlanChange> {
  const known = await findDecision(db, workspaceId, key);
  if (known) return known;
  try {
    return await withRetry(() =>
      db.transaction(async (tx) => {
        const change = await record(tx);
        if ((IN_FLIGHT_STATUSES as readonly string[]).includes(change.status)) await enqueueDecision(tx, change.id);
        return change;
      }),
    );
  } catch (err) {
    if (isUniqueViolation(err, "plan_changes_decision")) return (await findDecision(db, workspaceId, key))!;
    if (isUniqueViolation(err, "plan_changes_one_upgrade_in_flight")) throw conflict("Another upgrade of this seat is being paid for. Wait a moment, then reload.");
    throw err;
  }
}

/** Moves a decision from one state to another, once: false when it was no longer in `from`. */
async function transition(db: Db, change: PlanChange, from: DecisionStatus | DecisionStatus[], to: DecisionStatus, set: PgUpdateSetSource<typeof planChanges>, now: Date) {
  const froms = Array.isArray(from) ? from : [from];
  const moved = await db
    .update(planChanges)
    .set({ ...set, status: to, updatedAt: now, ...(to === "applied" || to === "failed" || to === "voided" ? { settledAt: now } : {}) })
    .where(and(eq(planChanges.id, change.id), inArray(planChanges.status, froms)))
    .returning({ id: planChanges.id });
  return moved.length > 0;
}

function timeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the payment provider did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Drives a decision as far as it can go now, and returns it. Final states come back as they are;
 * a provider that does not answer throws DecisionPendingError (the decision stays `paying`, the
 * job retries with the same key). Safe to run concurrently with itself.
 */
export async function driveDecision(db: Db, decisionId: string, ctx: DecisionContext): Promise<PlanChange> {
  const now = ctx.now ?? (() => new Date());
  for (let step = 0; step < 10; step++) {
    const d = await getDecision(db, decisionId);
    switch (d.status) {
      case "recorded": {
        // A decision that cannot apply any more is never charged.
        await withRetry(() =>
          db.transaction(async (tx) => {
            const reason = await ctx.applier.check(tx, d, now());
            if (reason) await transition(tx, d, "recorded", "voided", { failureReason: reason }, now());
            else await transition(tx, d, "recorded", "paying", { attempts: sql`${planChanges.attempts} + 1` }, now());
          }),
        );
        continue;
      }
      case "paying": {
        let ref: string;
        try {
          ({ ref } = await timeout(pay(db, d, ctx.provider), ctx.providerTimeoutMs ?? 10_000));
        } catch (err) {
          if (err instanceof PaymentActionRequiredError) {
            // The bank wants the owner: the decision waits for them (a webhook or their return moves it on).
            await askToConfirm(db, d, now());
            return getDecision(db, d.id);
          }
          if (err instanceof PaymentDeclinedError) {
            await withRetry(() =>
              db.transaction(async (tx) => {
                if (await transition(tx, d, "paying", "failed", { failureReason: err.message }, now())) {
                  await ctx.applier.failed?.(tx, d, err.message, now());
                  await decisionMail(tx, d, "declined", now(), err.message);
                }
              }),
            );
            continue;
          }
          await db.update(planChanges).set({ attempts: sql`${planChanges.attempts} + 1`, updatedAt: now() }).where(eq(planChanges.id, d.id));
          throw new DecisionPendingError(d.id, err);
        }
        if (!(await transition(db, d, "paying", "paid", { providerRef: ref }, now()))) {
          // Voided while we were charging (an operator): the charge we just made goes back.
          const after = await getDecision(db, d.id);
          if (after.status === "voided") await refund(db, after, ctx.provider, now());
        }
        continue;
      }
      case "paid": {
        let told: (string | null)[] = [];
        await withRetry(() =>
          db.transaction(async (tx) => {
            told = [];
            const reason = await ctx.applier.check(tx, d, now());
            if (reason) {
              await transition(tx, d, "paid", "voided", { failureReason: reason }, now());
              return;
            }
            // Claimed before it is applied, under the seat's lock: a second driver finds it taken.
            if (!(await transition(tx, d, "paid", "applied", {}, now()))) return;
            told = await ctx.applier.apply(tx, d, now());
            await decisionMail(tx, d, "receipt", now());
          }),
        );
        afterCommit(told);
        continue;
      }
      case "voided":
        if (!d.refundRef) return refund(db, d, ctx.provider, now());
        return d;
      default:
        return d;
    }
  }
  return getDecision(db, decisionId);
}

/**
 * Pays for a decision: asks the provider first where a payment it may already have stands (an
 * answer that came by webhook, a payment the owner confirmed), else charges with the key.
 */
async function pay(db: Db, d: PlanChange, provider: PaymentProvider): Promise<{ ref: string }> {
  const request = { key: providerKey(d), workspaceId: d.workspaceId };
  const known = provider.status ? await provider.status(db, request) : null;
  if (!known) return provider.charge(db, { ...request, amountCents: d.amountCents ?? 0, description: describe(d) });
  if (known.state === "succeeded") return { ref: known.ref };
  if (known.state === "requires_action") throw new PaymentActionRequiredError(known.ref);
  if (known.state === "failed") throw new PaymentDeclinedError(known.reason);
  throw new Error("the payment is still being processed");
}

/** Gives the money back for a voided decision (a no-op when nothing was charged); once, by key. */
export async function refund(db: Db, d: PlanChange, provider: PaymentProvider, now: Date): Promise<PlanChange> {
  const r = await provider.refund(db, { key: providerKey(d), workspaceId: d.workspaceId });
  const [after] = await db
    .update(planChanges)
    .set({ refundRef: r?.ref ?? "none", updatedAt: now })
    .where(eq(planChanges.id, d.id))
    .returning();
  return after!;
}

/**
 * A declined decision whose payment went through after all (the owner completed their bank's
 * check after the decline was recorded, or events crossed): the money goes back, once.
 */
export async function refundIfChargedAfterFailing(db: Db, d: PlanChange, provider: PaymentProvider, now = new Date()): Promise<PlanChange> {
  if (d.status !== "failed" || d.refundRef || !provider.status) return d;
  const known = await provider.status(db, { key: providerKey(d), workspaceId: d.workspaceId });
  if (known?.state !== "succeeded") return d;
  await db.update(planChanges).set({ providerRef: known.ref, updatedAt: now }).where(eq(planChanges.id, d.id));
  return refund(db, { ...d, providerRef: known.ref }, provider, now);
}

/**
 * Voids a decision on its way (the operator's way out for one that cannot finish): it will
 * not apply, and what was charged for it is refunded. Applied, failed or voided ones are left.
 */
export async function voidDecision(db: Db, decisionId: string, reason: string, provider: PaymentProvider, now: Date): Promise<PlanChange> {
  const d = await getDecision(db, decisionId);
  if (!(await transition(db, d, [...IN_FLIGHT_STATUSES], "voided", { failureReason: reason }, now))) {
    const after = await getDecision(db, decisionId);
    throw conflict(`This decision is already ${after.status}; only one still on its way can be voided.`);
  }
  return refund(db, await getDecision(db, decisionId), provider, now);
}
