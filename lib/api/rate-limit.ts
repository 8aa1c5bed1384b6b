/**
 * The metering API's rate limit, at the door: requests a minute per app key (the presented key's
 * hash, so an unknown key is limited too), counted per process by rate-limiter-flexible's memory
 * store. Not on PostgreSQL: a counter written there would put one more write, and its own hot
 * row, in front of every charge on the hot path; N processes admit N times the limit.
 */
import { createHash } from "node:crypto";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { env } from "@/lib/env";
import { jsonError } from "./http";

let limiter: RateLimiterMemory | null | undefined;

function meteringLimiter(): RateLimiterMemory | null {
  if (limiter === undefined) {
    const points = env().METERING_RATE_LIMIT;
    limiter = points > 0 ? new RateLimiterMemory({ keyPrefix: "metering", points, duration: 60 }) : null;
  }
  return limiter;
}

/** null when the request may go on; else the 429 to answer (with Retry-After), before any work. */
export async function meteringRateLimit(req: Request): Promise<Response | null> {
  const presented = req.headers.get("authorization");
  const rl = meteringLimiter();
  if (!presented || !rl) return null;
  try {
    await rl.consume(createHash("sha256").update(presented).digest("base64url"));
    return null;
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    const res = jsonError(429, "rate_limited", `This app key sent more than ${rl.points} metering requests in a minute. Retry after ${seconds} s; nothing of this request was charged.`);
    res.headers.set("Retry-After", String(seconds));
    return res;
  }
}
