import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { IN_FLIGHT_STATUSES, planChanges, PLAN_CHANGE_STATUSES, workspaces } from "@/db/schema";
import { conflict, isUniqueViolation, notFound } from "@/lib/errors";
import { afterCommit } from "@/lib/events";
import { enqueue, QUEUES } from "@/lib/jobs/queue";
import { appLink, queueMailToUser } from "@/lib/mail";
import { findAccount, hasTopUps, type Account } from "./accounts";
import { lockAccount, withRetry } from "./locks";
import { notify } from "./notices";
import { PaymentActionRequiredError, PaymentDeclinedError, type PaymentProvider } from "./payments";
import { settleDueChanges, type PlanChange } from "./scheduled-changes";

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

export async function findDecision(db: Db, workspaceId: string, key: string): Promise<PlanChange | undefined> {
  const [change] = await db.select().from(planChanges).where(and(eq(planChanges.workspaceId, workspaceId), eq(planChanges.decisionKey, key)));
  return change;
}

export async function getDecision(db: Db, id: string): Promise<PlanChange> {
  const [change] = await db.select().from(planChanges).where(eq(planChanges.id, id));
  if (!change) throw notFound("Decision");
  return change;
}

/** Puts the job that drives a decision in `tx` (the decision's own id: enqueuing twice is one job). */
export function enqueueDecision(tx: Db, decisionId: string) {
  return enqueue(tx, QUEUES.decision, { decisionId }, { id: decisionId });
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

/** The key a decision is paid (and refunded) with at the provider: its idempotency key there. */
export function providerKey(change: { id: string }) {
  return `plan_change:${change.id}`;
}

/** The decision a provider's key names, or null for a key that is not one of ours. */
export function decisionIdOfKey(key: string | undefined): string | null {
  return key?.match(/^plan_change:([0-9a-f-]{36})$/)?.[1] ?? null;
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

/** Marks a decision as waiting for its owner's confirmation and tells them, once (in the app and by email). */
async function askToConfirm(db: Db, d: PlanChange, now: Date) {
  await withRetry(() =>
    db.transaction(async (tx) => {
      const [marked] = await tx
        .update(planChanges)
        .set({ needsActionAt: now, updatedAt: now })
        .where(and(eq(planChanges.id, d.id), eq(planChanges.status, "paying"), isNull(planChanges.needsActionAt)))
        .returning({ id: planChanges.id });
      if (!marked) return;
      const href = `/settings/billing/confirm/${d.id}`;
      if (d.accountId) {
        await notify(tx, { userId: d.requestedBy, workspaceId: d.workspaceId, accountId: d.accountId, kind: d.topUpKind === "integration" ? "integration" : "message", cycleStart: now, body: `Your bank asks you to confirm the payment for ${describe(d)}. It applies as soon as you confirm.`, dedupeKey: `confirm:${d.id}`, href }, now);
      }
      await decisionMail(tx, d, "confirm", now);
    }),
  );
}

/**
 * The owner's email about a decision, in its transaction: a receipt when it applied, or word
 * that the card was declined (nothing charged, nothing changed). Once per decision and kind.
 */
async function decisionMail(tx: Db, d: PlanChange, what: "receipt" | "declined" | "confirm", now: Date, reason?: string) {
  const [ws] = await tx.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, d.workspaceId));
  const item = describe(d);
  const amount = `$${((d.amountCents ?? 0) / 100).toFixed(2)}`;
  await queueMailToUser(
    tx,
    d.requestedBy,
    what === "confirm"
      ? {
          key: `confirm:${d.id}`,
          workspaceId: d.workspaceId,
          subject: `Confirm your payment: ${item} for ${ws?.name ?? "your workspace"} (${amount})`,
          text: [`Your bank asks you to confirm the payment of ${amount} for ${item} in ${ws?.name ?? "your workspace"}.`, "Nothing is charged or changed until you do.", "", `Confirm: ${appLink(`/settings/billing/confirm/${d.id}`)}`].join("\n"),
        }
      : what === "receipt"
      ? {
          key: `receipt:${d.id}`,
          workspaceId: d.workspaceId,
          subject: `Receipt: ${item} for ${ws?.name ?? "your workspace"} (${amount})`,
          text: [`Paid ${amount} for ${item} in ${ws?.name ?? "your workspace"}.`, `Reference: ${d.providerRef ?? "pending"}`, "", `Receipt: ${appLink(`/settings/billing/receipts/${d.id}`)}`].join("\n"),
        }
      : {
          key: `declined:${d.id}`,
          workspaceId: d.workspaceId,
          subject: `Payment declined: ${item} for ${ws?.name ?? "your workspace"}`,
          text: [`The payment of ${amount} for ${item} in ${ws?.name ?? "your workspace"} was declined${reason ? ` (${reason})` : ""}.`, "Nothing was charged and nothing changed.", "", `Billing: ${appLink("/settings/billing")}`].join("\n"),
        },
    now,
  );
}

/** Gives the money back for a voided decision (a no-op when nothing was charged); once, by key. */
async function refund(db: Db, d: PlanChange, provider: PaymentProvider, now: Date): Promise<PlanChange> {
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

/** Decisions still on their way, oldest first (the worker's sweep, the operator's list). */
export async function decisionsInFlight(db: Db, opts: { olderThan?: Date } = {}): Promise<PlanChange[]> {
  return db
    .select()
    .from(planChanges)
    .where(
      and(
        inArray(planChanges.status, [...IN_FLIGHT_STATUSES]),
        opts.olderThan ? or(lt(planChanges.updatedAt, opts.olderThan), sql`${planChanges.updatedAt} is null and ${planChanges.createdAt} < ${opts.olderThan.toISOString()}::timestamptz`) : undefined,
      ),
    )
    .orderBy(planChanges.createdAt);
}

/**
 * Failed decisions of the last day not refunded: a payment the bank confirmed after we recorded
 * the failure has money that must go back. The sweep asks the provider about each.
 */
export async function recentlyFailed(db: Db, now: Date, withinMs = 86_400_000): Promise<PlanChange[]> {
  return db
    .select()
    .from(planChanges)
    .where(and(eq(planChanges.status, "failed"), sql`${planChanges.refundRef} is null`, sql`coalesce(${planChanges.updatedAt}, ${planChanges.createdAt}) > ${new Date(now.getTime() - withinMs).toISOString()}::timestamptz`))
    .orderBy(planChanges.createdAt);
}

/** Voided decisions whose refund has not gone through yet. */
export async function refundsOwed(db: Db): Promise<PlanChange[]> {
  return db.select().from(planChanges).where(and(eq(planChanges.status, "voided"), sql`${planChanges.refundRef} is null`));
}

function describe(d: PlanChange): string {
  if (d.kind === "top_up") return `${d.packs} ${d.topUpKind} top-up pack${d.packs === 1 ? "" : "s"}`;
  if (d.kind === "add_seat") return `${d.toPlanId} seat`;
  if (d.kind === "start_pool") return `${d.toPlanId} shared pool`;
  return `Upgrade to ${d.toPlanId}`;
}

/**
 * What the person who decided reads when their decision did not apply. Applied decisions come
 * back as they are.
 */
export function settledOrExplain(change: PlanChange): PlanChange {
  if (change.status === "failed") throw conflict(`${change.failureReason ?? "The payment was declined."} Nothing was changed.`);
  if (change.status === "voided") {
    const money = change.refundRef && change.refundRef !== "none" ? "The payment was refunded." : "Nothing was charged.";
    throw conflict(`This could not be applied: ${change.failureReason ?? "it was cancelled"}. ${money}`);
  }
  if (change.status === "paying" && change.needsActionAt) throw conflict("Your bank asks you to confirm this payment: choose Confirm payment under Billing → Payment history (we emailed you the link too). It applies as soon as you confirm.");
  if (change.status !== "applied") throw conflict("Your payment is still being confirmed. It completes on its own; this page updates when it does.");
  return change;
}

/** Drives a decision now, for the person waiting on it; a slow provider leaves it to the queue. */
export async function driveForRequest(db: Db, change: PlanChange, ctx: DecisionContext): Promise<PlanChange> {
  if (!(IN_FLIGHT_STATUSES as readonly string[]).includes(change.status) && !(change.status === "voided" && !change.refundRef)) return settledOrExplain(change);
  try {
    return settledOrExplain(await driveDecision(db, change.id, ctx));
  } catch (err) {
    if (err instanceof DecisionPendingError) return settledOrExplain(await getDecision(db, change.id));
    throw err;
  }
}

/**
 * Locks an active seat (or a workspace's pool: it takes the same decisions, its plan being the
 * pool's credit level) for the rest of the transaction (lock order step 2), after applying its
 * changes that have come due (a removal that is due cannot be revived by a later decision).
 */
export async function lockSeat(tx: Db, seatId: string, now: Date): Promise<Seat> {
  if (!(await lockAccount(tx, seatId))) throw notFound("Seat");
  await settleDueChanges(tx, seatId, now);
  const seat = await findAccount(tx, seatId);
  if (!seat || !hasTopUps(seat) || seat.status !== "active" || !seat.workspaceId) throw notFound("Seat");
  return seat as Seat;
}

/** Why a seat cannot take a decision now (ended, or gone), or null; the seat is then locked. */
export async function seatProblem(tx: Db, seatId: string | null, now: Date): Promise<string | null> {
  if (!seatId) return "the seat is gone";
  try {
    const seat = await lockSeat(tx, seatId, now);
    // A switch of credit model that came due ends this seat (or pool): nothing may be bought for it now.
    return (await switchDue(tx, seat.workspaceId, now)) ? "the workspace's switch of credit model came due before the payment went through" : null;
  } catch (err) {
    if ((err as { code?: string }).code === "not_found") return "the seat ended before the payment went through";
    throw err;
  }
}

/** The seat's workspace, after applying (and committing) its changes that have come due. */
export async function activeSeatWorkspace(db: Db, seatId: string, now: Date): Promise<string> {
  await settleDueChanges(db, seatId, now);
  const seat = await findAccount(db, seatId);
  if (!seat || !hasTopUps(seat) || seat.status !== "active" || !seat.workspaceId) throw notFound("Seat");
  if (await switchDue(db, seat.workspaceId, now)) throw conflict("This workspace is switching its credit model right now. Reload the page and decide again.");
  return seat.workspaceId;
}

/** Whether the workspace's switch of credit model has come due and is not applied yet (pools.ts applies it). */
export async function switchDue(db: Db, workspaceId: string, now: Date): Promise<boolean> {
  const [ws] = await db.select({ at: workspaces.pendingModelAt }).from(workspaces).where(eq(workspaces.id, workspaceId));
  return !!ws?.at && ws.at <= now;
}
