import { and, count, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { signInFailures } from "@/db/schema";

/**
 * Sign-in limits, counted in the database so every app process enforces one limit:
 * - 10 failed tries for one email from one address in 15 minutes (guessing stops there, and
 *   someone guessing from elsewhere cannot lock the real person out);
 * - 100 for one email from any address in 24 hours (the backstop against a spread attack);
 * - 50 from one address in 15 minutes, whatever the emails (spraying).
 * The address is known only behind a trusted proxy (TRUSTED_PROXY); without one, every try
 * counts as from one unknown address.
 */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const BACKSTOP_WINDOW_MS = 24 * 60 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL_AND_ADDRESS = 10;
export const MAX_FAILURES_PER_EMAIL = 100;
export const MAX_FAILURES_PER_IP = 50;

export interface SignInSource {
  email: string;
  ip: string | null;
}

/**
 * Claims one try, or refuses it (null) when a limit is reached. The claim is a row counted as
 * a failure until `clearSignInTry` says the password was right: claiming first, under a
 * per-email (and per-address) lock, is what keeps 40 simultaneous guesses to 10 — a
 * check-then-insert would let them all through.
 */
export async function claimSignInTry(db: Db, who: SignInSource, now: Date): Promise<number | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sign-in:${who.email}`}))`);
    if (who.ip) await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sign-in-ip:${who.ip}`}))`);
    const recent = new Date(now.getTime() - SIGN_IN_WINDOW_MS);
    const day = new Date(now.getTime() - BACKSTOP_WINDOW_MS);
    const n = async (...where: Parameters<typeof and>) => (await tx.select({ n: count() }).from(signInFailures).where(and(...where)))[0]?.n ?? 0;
    const sameAddress = who.ip ? eq(signInFailures.ip, who.ip) : isNull(signInFailures.ip);
    if ((await n(eq(signInFailures.email, who.email), sameAddress, gt(signInFailures.createdAt, recent))) >= MAX_FAILURES_PER_EMAIL_AND_ADDRESS) return null;
    if ((await n(eq(signInFailures.email, who.email), gt(signInFailures.createdAt, day))) >= MAX_FAILURES_PER_EMAIL) return null;
    if (who.ip && (await n(eq(signInFailures.ip, who.ip), gt(signInFailures.createdAt, recent))) >= MAX_FAILURES_PER_IP) return null;
    const [row] = await tx.insert(signInFailures).values({ email: who.email, ip: who.ip, createdAt: now }).returning({ id: signInFailures.id });
    return row!.id;
  });
}

/** The try succeeded: it does not count against the person. */
export async function clearSignInTry(db: Db, id: number): Promise<void> {
  await db.delete(signInFailures).where(eq(signInFailures.id, id));
}

/**
 * The client's address from X-Forwarded-For, trusting only what `trustedProxies` proxies in
 * front of the app appended (the entries a client writes itself come first and are ignored).
 * Without trusted proxies the header is not believed at all.
 */
export function clientAddress(forwardedFor: string | null | undefined, trustedProxies: number): string | null {
  if (!forwardedFor || trustedProxies < 1) return null;
  const hops = forwardedFor.split(",").map((h) => h.trim()).filter(Boolean);
  return hops[hops.length - trustedProxies] ?? null;
}
