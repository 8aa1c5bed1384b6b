import { NextResponse } from "next/server";
import { z } from "zod";
import type { Db } from "@/db/client";
import { authenticateAppKey } from "@/lib/apps/keys";
import { getAppOwnerBalance } from "@/lib/credits/balance";
import { INTEGRATION_ACTIONS } from "@/lib/credits/costs";
import { debitCredits, MAX_KEY_LENGTH as MAX_IDEMPOTENCY_KEY, MAX_QUANTITY, type DebitResult } from "@/lib/credits/debit";
import { formatCredits, toCreditNumber } from "@/lib/credits/amounts";
import { balanceJson, errorResponse, HttpError, readJson } from "./http";

const usageBody = z
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
export async function requireAppKey(db: Db, req: Request) {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new HttpError(401, "unauthorized", "Send your app key as: Authorization: Bearer <key>.");
  const found = await authenticateAppKey(db, match[1]!);
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

/** POST /api/v1/usage: one integration charge to the app owner's credits. */
export async function postUsage(db: Db, req: Request, now: Date, deadline?: Date): Promise<Response> {
  try {
    const { app, payer } = await requireAppKey(db, req);
    const idempotencyKey = req.headers.get("idempotency-key")?.trim();
    if (!idempotencyKey) throw new HttpError(400, "missing_idempotency_key", "Send an Idempotency-Key header, unique per charge.");
    if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
      throw new HttpError(400, "invalid_idempotency_key", `The Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY} characters.`);
    }
    const parsed = usageBody.safeParse(await readJson(req));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message = issue?.code === "unrecognized_keys" ? `Unknown field: ${issue.keys.join(", ")}.` : (issue?.message ?? "Invalid body.");
      throw new HttpError(400, "invalid_request", message);
    }
    const result = await debitCredits(
      db,
      {
        key: `app:${app.id}:${idempotencyKey}`,
        action: parsed.data.action as (typeof INTEGRATION_ACTIONS)[number],
        quantity: parsed.data.quantity,
        workspaceId: app.workspaceId,
        actorUserId: null,
        appId: app.id,
        source: "api",
        payer,
        appCap: app.integrationCap,
        deadline,
      },
      now,
    );
    const headers = { "Cache-Control": "no-store", ...(result.replay ? { "Idempotent-Replayed": "true" } : {}) };
    if (result.outcome === "refused") {
      const capped = result.refusal === "app_cap_reached";
      const needs = formatCredits(result.event.amount);
      const message = capped
        ? `This app reached the integration cap its owner set for this cycle; this call needs ${needs}. The cap resets at ${result.resetsAt.toISOString()}, or the owner can raise it.`
        : `The app owner has ${formatCredits(result.balance.available)} integration credits available; this call needs ${needs}. Credits reset at ${result.resetsAt.toISOString()}.`;
      return NextResponse.json(
        {
          error: {
            code: result.refusal,
            message,
            kind: result.kind,
            balance: balanceJson(result.balance),
            resetsAt: result.resetsAt.toISOString(),
            // What would let this call through: raising the app's cap, a top-up (paid seats),
            // or a plan with a bigger allowance (the free plan has no top-ups).
            help: capped ? "raise_app_cap" : payer.type === "seat" ? "top_up_or_upgrade" : "upgrade",
          },
        },
        { status: 402, headers },
      );
    }
    return NextResponse.json({ event: eventJson(result), balance: balanceJson(result.balance) }, { status: result.replay ? 200 : 201, headers });
  } catch (err) {
    return errorResponse(err);
  }
}

/** GET /api/v1/balance with an app key: the app owner's integration credits. */
export async function getBalanceForAppKey(db: Db, req: Request, now: Date): Promise<Response> {
  try {
    const { app } = await requireAppKey(db, req);
    const b = await getAppOwnerBalance(db, app.id, now);
    return NextResponse.json({ integration: balanceJson(b.integration) }, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}

