import { NextResponse } from "next/server";
import { toCreditNumber } from "@/lib/credits/amounts";
import type { Forecast } from "@/lib/credits/forecast";
import type { KindBalance } from "@/lib/credits/accounts";
import type { MemberAllocation } from "@/lib/credits/member-limits";
import { DomainError, isDatabaseUnavailable } from "@/lib/errors";

export const MAX_BODY_BYTES = 16 * 1024;

export function jsonError(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return NextResponse.json({ error: { code, message, ...extra } }, { status, headers: { "Cache-Control": "no-store" } });
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A balance as the API shows it: credits as numbers with at most three decimals. */
export function balanceJson(b: KindBalance, forecast?: Forecast) {
  return {
    allowance: toCreditNumber(b.allowance),
    used: toCreditNumber(b.used),
    remaining: toCreditNumber(b.remaining),
    cycleStart: b.cycleStart.toISOString(),
    cycleEnd: b.cycleEnd.toISOString(),
    topUp: { remaining: toCreditNumber(b.topUp), nextExpiresAt: b.topUpExpiresAt?.toISOString() ?? null },
    available: toCreditNumber(b.available),
    // At the last 7 days' pace: when what is available runs out before the reset (null: it lasts).
    ...(forecast ? { forecast: { runsOutAt: forecast.runsOutAt?.toISOString() ?? null, basis: { windowDays: forecast.basis.windowDays, perDay: toCreditNumber(forecast.basis.perDay) } } } : {}),
  };
}

/** A member's allocation in a shared pool as the API shows it (credits as numbers). */
export function limitJson(a: MemberAllocation) {
  return {
    limit: a.limit === null ? null : toCreditNumber(a.limit),
    isDefault: a.source === "default",
    used: toCreditNumber(a.used + a.reserved),
    remaining: a.remaining === null ? null : toCreditNumber(a.remaining),
  };
}

/** Reads a JSON body with a hard size limit: 415 when not JSON, 413 when too large, 400 when malformed. */
export async function readJson(req: Request, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type.trim())) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  const text = await readText(req, limit);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "The body is not valid JSON.");
  }
}

/** Reads a body as text, refusing (413) one over `limit` bytes before reading more than that. */
export async function readText(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw new HttpError(413, "payload_too_large", `The body must be at most ${limit} bytes.`);
  const reader = req.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw new HttpError(413, "payload_too_large", `The body must be at most ${limit} bytes.`);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The HTTP status of each domain error (a whole answer's, or one batch entry's). */
export const statusOf: Record<DomainError["code"], number> = {
  invalid: 400,
  not_found: 404,
  forbidden: 403,
  idempotency_conflict: 409,
  conflict: 409,
  unauthorized: 401,
};

/** Turns anything a handler throws into the documented JSON error; never a stack trace. */
export function errorResponse(err: unknown) {
  if (err instanceof HttpError) return jsonError(err.status, err.code, err.message);
  if (err instanceof DomainError) return jsonError(statusOf[err.code], err.code, err.message);
  if (isDatabaseUnavailable(err)) {
    return jsonError(503, "service_unavailable", "The credits service could not finish in time; nothing was charged. Retry with the same Idempotency-Key.", {});
  }
  console.error(err);
  return jsonError(500, "internal_error", "Something went wrong on our side. Retry with the same Idempotency-Key: a retry is never charged twice.");
}

/** The methods Next.js routes a request by: a route handler answers each of them. */
export const API_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/**
 * The methods a route serves: its own, and HEAD with GET (GET's answer without the body, as
 * Next.js would do by itself). Every other method, OPTIONS included, is that route's 405.
 */
export function allowedMethods(method: "GET" | "POST"): ApiMethod[] {
  return method === "GET" ? ["GET", "HEAD"] : [method];
}

/**
 * The handler for methods a route does not serve: 405 with a JSON error and an Allow header
 * (Next.js alone answers an empty 405, and OPTIONS with a 204 listing every method).
 */
export function methodNotAllowed(allowed: string[]) {
  return () => {
    const res = jsonError(405, "method_not_allowed", `This endpoint answers ${allowed.join(" and ")} only.`);
    res.headers.set("Allow", allowed.join(", "));
    return res;
  };
}

/** 404 for any path under the API that does not exist, as JSON. */
export function notFoundResponse() {
  return jsonError(404, "not_found", "There is no such endpoint. GET /api/v1/openapi.json describes the ones there are.");
}
