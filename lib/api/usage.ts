import { NextResponse } from "next/server";
import { z } from "zod";
import type { Db } from "@/db/client";
import { authenticateAppKey } from "@/lib/apps/keys";
import { getAppOwnerBalance } from "@/lib/credits/balance";
import { forecastFor } from "@/lib/credits/pace";
import { INTEGRATION_ACTIONS } from "@/lib/credits/costs";
import { debitCredits, MAX_KEY_LENGTH as MAX_IDEMPOTENCY_KEY, MAX_QUANTITY, requestHash, type DebitInput, type DebitResult } from "@/lib/credits/debit";
import { debitBatch } from "@/lib/credits/batch";
import { debitGrouped } from "@/lib/credits/group-commit";
import { env } from "@/lib/env";
import { findReplay } from "@/lib/credits/debit-request";
import { formatCredits, toCreditNumber } from "@/lib/credits/amounts";
import { hasTopUps, type KindBalance } from "@/lib/credits/accounts";
import { DeadlineExceededError } from "@/lib/deadline";
import { DomainError } from "@/lib/errors";
import { balanceJson, errorResponse, HttpError, readJson, statusOf } from "./http";

export const usageBody = z
  .object({
    action: z.enum(INTEGRATION_ACTIONS as [string, ...string[]], {
      error: `action must be one of: ${INTEGRATION_ACTIONS.join(", ")}`,
    }),
    quantity: z
      .number({ error: "quantity must be a number" })
      .int("quantity must be a whole number")
      .min(1, "quantity must be at least 1")
      .max(MAX_QUANTITY, `quantity must be at most ${MAX_QUANTITY}`)
      .default(1),
  })
  .strict();


/** The app behind the request's bearer key; 401 when missing or wrong. */
export async function requireAppKey(db: Db, req: Request, opts: { cached?: boolean } = {}) {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new HttpError(401, "unauthorized", "Send your app key as: Authorization: Bearer <key>.");
  const found = await authenticateAppKey(db, match[1]!, new Date(), opts);
  if (!found) throw new HttpError(401, "unauthorized", "This app key is not valid.");
  return found;
}

function eventJson(r: DebitResult) {
  const e = r.event;
  return {
    id: e.id,
    action: e.action,
    quantity: e.quantity,
    amount: toCreditNumber(e.amount),
    kind: e.kind,
    outcome: e.outcome,
    appId: e.appId,
    createdAt: e.createdAt.toISOString(),
  };
}

function invalidBody(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue?.code === "unrecognized_keys" ? `Unknown field: ${issue.keys.join(", ")}.` : (issue?.message ?? "Invalid body.");
}

type App = Awaited<ReturnType<typeof requireAppKey>>;

/**
 * One integration event charged to the app owner: the answer the single-event endpoint gives
 * (status and body), and what each entry of a batch holds. The same engine path for both.
 */
type UsageEvent = { idempotencyKey: string; action: string; quantity: number };

function debitInput({ app, payer, keyId, switchAt }: App, event: UsageEvent, deadline?: Date): DebitInput {
  return {
    keyId,
    key: `app:${app.id}:${event.idempotencyKey}`,
    action: event.action as (typeof INTEGRATION_ACTIONS)[number],
    quantity: event.quantity,
    workspaceId: app.workspaceId,
    actorUserId: null,
    appId: app.id,
    source: "api",
    payer,
    appCap: app.integrationCap,
    switchAt,
    deadline,
  };
}

/**
 * One integration event charged to the app owner: the answer the single-event endpoint gives
 * (status and body), and what each entry of a batch holds. The same engine path for both.
 */
async function chargeEvent(db: Db, app: App, event: UsageEvent, now: Date, deadline?: Date) {
  const charge = env().DEBIT_GROUPING === "on" ? debitGrouped : debitCredits;
  return answerOf(await charge(db, debitInput(app, event, deadline), now), app.payer);
}

function answerOf(result: DebitResult, payer: App["payer"]) {
  if (result.outcome === "refused") {
    const capped = result.refusal === "app_cap_reached";
    const needs = formatCredits(result.event.amount);
    const message = capped
      ? `This app reached the integration cap its owner set for this cycle; this call needs ${needs}. The cap resets at ${result.resetsAt.toISOString()}, or the owner can raise it.`
      : `The app owner has ${formatCredits(result.balance.available)} integration credits available; this call needs ${needs}. Credits reset at ${result.resetsAt.toISOString()}.`;
    const error = {
      code: result.refusal,
      message,
      kind: result.kind,
      balance: balanceJson(result.balance),
      resetsAt: result.resetsAt.toISOString(),
      // What would let this call through: raising the app's cap, a top-up (paid seats), or a
      // plan with a bigger allowance (the free plan has no top-ups).
      help: capped ? "raise_app_cap" : hasTopUps(payer) ? "top_up_or_upgrade" : "upgrade",
    };
    return { status: 402 as const, replay: result.replay, body: { error }, balance: result.balance };
  }
  return { status: result.replay ? (200 as const) : (201 as const), replay: result.replay, body: { event: eventJson(result), balance: balanceJson(result.balance) }, balance: result.balance };
}

/** A batch's entry for an event the request did not charge before its deadline. */
const NOT_REACHED = {
  status: 503,
  error: { code: "not_reached", message: "This event was not charged before the request's deadline: nothing was charged for it. Send it again with the same idempotencyKey." },
};

/**
 * What the metering routes know of a request while it runs, so that if it overruns its deadline
 * the answer can still be the truth: the app, and the events it was asked to charge.
 */
export interface MeteringProgress {
  app?: App;
  /** In the request's order; a batch's invalid entries keep their place with their reason. */
  events?: (UsageEvent | { invalid: string })[];
  batch?: boolean;
}

/**
 * The answer after the deadline's backstop fired (the work is still running somewhere, or its
 * answer is stuck): past the deadline nothing of the request can commit any more, so the ledger
 * says what was charged. Events found there are answered as their replay (the first result);
 * the others were not charged: 503. Without an app or events yet, nothing can have been charged.
 */
export async function answerFromLedger(db: Db, progress: MeteringProgress): Promise<Response> {
  const { app, events } = progress;
  if (!app || !events) throw new DeadlineExceededError();
  const found: (ReturnType<typeof answerOf> | { invalid: string } | null)[] = [];
  for (const e of events) {
    if ("invalid" in e) {
      found.push(e);
      continue;
    }
    const input = debitInput(app, e);
    // A key used with another body is that event's own 409, found again the same way.
    const replay = await findReplay(db, input, requestHash(input)).catch((err) => (err instanceof DomainError ? null : Promise.reject(err)));
    found.push(replay ? answerOf(replay, app.payer) : null);
  }
  const answered = found.filter((f): f is ReturnType<typeof answerOf> => f !== null && !("invalid" in f));
  if (answered.length === 0) throw new DeadlineExceededError();
  if (!progress.batch) {
    const r = answered[0]!;
    return NextResponse.json(r.body, { status: r.status, headers: { "Cache-Control": "no-store", ...(r.replay ? { "Idempotent-Replayed": "true" } : {}) } });
  }
  const results = found.map((f) => (f === null ? NOT_REACHED : "invalid" in f ? { status: 400, error: { code: "invalid_request", message: f.invalid } } : { status: f.status, ...f.body }));
  return NextResponse.json({ results, balance: balanceJson(answered.at(-1)!.balance) }, { headers: { "Cache-Control": "no-store" } });
}

/** POST /api/v1/usage: one integration charge to the app owner's credits. */
export async function postUsage(db: Db, req: Request, now: Date, deadline?: Date, progress: MeteringProgress = {}): Promise<Response> {
  try {
    // Cached: the charge itself refuses a revoked key.
    const app = await requireAppKey(db, req, { cached: true });
    progress.app = app;
    const idempotencyKey = req.headers.get("idempotency-key")?.trim();
    if (!idempotencyKey) throw new HttpError(400, "missing_idempotency_key", "Send an Idempotency-Key header, unique per charge.");
    if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
      throw new HttpError(400, "invalid_idempotency_key", `The Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY} characters.`);
    }
    const parsed = usageBody.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, "invalid_request", invalidBody(parsed.error));
    progress.events = [{ idempotencyKey, ...parsed.data }];
    const r = await chargeEvent(db, app, { idempotencyKey, ...parsed.data }, now, deadline);
    return NextResponse.json(r.body, { status: r.status, headers: { "Cache-Control": "no-store", ...(r.replay ? { "Idempotent-Replayed": "true" } : {}) } });
  } catch (err) {
    return errorResponse(err);
  }
}

export const MAX_BATCH_EVENTS = 100;
export const MAX_BATCH_BYTES = 256 * 1024;

export const batchEvent = usageBody.extend({
  idempotencyKey: z.string({ error: "idempotencyKey must be a string" }).trim().min(1, "idempotencyKey is required").max(MAX_IDEMPOTENCY_KEY, `idempotencyKey must be at most ${MAX_IDEMPOTENCY_KEY} characters`),
});
export const batchBody = z
  .object({
    events: z.array(z.unknown(), { error: "events must be an array" }).min(1, "Send at least one event.").max(MAX_BATCH_EVENTS, `Send at most ${MAX_BATCH_EVENTS} events at a time.`),
  })
  .strict();

/**
 * POST /api/v1/usage/batch: up to 100 integration events, each its own charge (its own
 * idempotency key, all or nothing), in the order given, all in one transaction. One bad or
 * refused event does not stop the others; each entry of `results` says what happened to its
 * event. Past the deadline nothing of the batch commits: a whole 503.
 */
export async function postUsageBatch(db: Db, req: Request, now: Date, deadline?: Date, progress: MeteringProgress = {}): Promise<Response> {
  try {
    const app = await requireAppKey(db, req, { cached: true });
    progress.app = app;
    progress.batch = true;
    const envelope = batchBody.safeParse(await readJson(req, MAX_BATCH_BYTES));
    if (!envelope.success) throw new HttpError(400, "invalid_request", invalidBody(envelope.error));
    progress.events = envelope.data.events.map((raw) => {
      const parsed = batchEvent.safeParse(raw);
      return parsed.success ? parsed.data : { invalid: invalidBody(parsed.error) };
    });
    // The valid events are charged together, in one transaction (lib/credits/batch.ts); the
    // invalid ones keep their place with their reason.
    const valid = progress.events.flatMap((e, i) => ("invalid" in e ? [] : [{ i, e }]));
    const answers = await debitBatch(db, valid.map(({ e }) => debitInput(app, e, deadline)), now, deadline);
    const results: Record<string, unknown>[] = progress.events.map((e) => ("invalid" in e ? { status: 400, error: { code: "invalid_request", message: e.invalid } } : {}));
    let last: KindBalance | null = null;
    for (const [n, { i }] of valid.entries()) {
      const a = answers[n]!;
      if ("error" in a) {
        // One event's conflict (its key reused with another body) is its own answer.
        results[i] = { status: statusOf[a.error.code], error: { code: a.error.code, message: a.error.message } };
        continue;
      }
      const r = answerOf(a.result, app.payer);
      if (!r.replay) last = r.balance;
      results[i] = { status: r.status, ...r.body };
    }
    const balance = last ?? (await getAppOwnerBalance(db, app.app.id, now)).integration;
    return NextResponse.json({ results, balance: balanceJson(balance) }, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}

/** GET /api/v1/balance with an app key: the app owner's integration credits. */
export async function getBalanceForAppKey(db: Db, req: Request, now: Date): Promise<Response> {
  try {
    const { app } = await requireAppKey(db, req);
    const b = await getAppOwnerBalance(db, app.id, now);
    const forecast = await forecastFor(db, { workspaceId: app.workspaceId, userId: app.ownerUserId }, b, now);
    return NextResponse.json({ integration: balanceJson(b.integration, forecast.integration) }, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}

