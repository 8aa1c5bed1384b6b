import { and, count, eq, gt } from "drizzle-orm";
import type { Db } from "@/db/client";
import { signInFailures } from "@/db/schema";

export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL = 10;
export const MAX_FAILURES_PER_IP = 50;

/**
 * Whether another sign-in attempt is allowed: at most 10 failures per email and 50 per
 * address in 15 minutes. Counted in the database, so every app process enforces one limit.
 */
export async function signInAllowed(db: Db, args: { email: string; ip: string | null }, now: Date): Promise<boolean> {
  const since = new Date(now.getTime() - SIGN_IN_WINDOW_MS);
  const [byEmail] = await db
    .select({ n: count() })
    .from(signInFailures)
    .where(and(eq(signInFailures.email, args.email), gt(signInFailures.createdAt, since)));
  if ((byEmail?.n ?? 0) >= MAX_FAILURES_PER_EMAIL) return false;
  if (!args.ip) return true;
  const [byIp] = await db
    .select({ n: count() })
    .from(signInFailures)
    .where(and(eq(signInFailures.ip, args.ip), gt(signInFailures.createdAt, since)));
  return (byIp?.n ?? 0) < MAX_FAILURES_PER_IP;
}

export async function recordSignInFailure(db: Db, args: { email: string; ip: string | null }, now: Date): Promise<void> {
  await db.insert(signInFailures).values({ email: args.email, ip: args.ip, createdAt: now });
}
