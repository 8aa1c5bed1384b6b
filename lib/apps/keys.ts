import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "@/db/client";
import { appKeys, apps } from "@/db/schema";
import { findAppPayer } from "@/lib/credits/accounts";
import { writeAudit } from "@/lib/workspaces/audit";
import { forbidden, notFound } from "@/lib/errors";
import { requireRole } from "@/lib/workspaces/roles";

const KEY_PREFIX = "ck_";

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * Creates a key for an app's runtime. The key itself is returned once and never stored:
 * only its SHA-256 is kept (a key has 192 random bits, so a fast hash is enough).
 */
export async function createAppKey(db: Db, appId: string, createdBy: string | null, now: Date) {
  const [app] = await db.select().from(apps).where(eq(apps.id, appId));
  if (!app) throw notFound("App");
  const key = KEY_PREFIX + randomBytes(24).toString("base64url");
  const [row] = await db
    .insert(appKeys)
    .values({ appId, prefix: key.slice(0, 10), keyHash: sha256(key).toString("hex"), createdBy, createdAt: now })
    .returning({ id: appKeys.id, prefix: appKeys.prefix, createdAt: appKeys.createdAt });
  await writeAudit(db, {
    workspaceId: app.workspaceId,
    actorUserId: createdBy,
    action: "app_key.created",
    targetType: "app",
    targetId: app.id,
    details: { keyId: row!.id, prefix: row!.prefix },
    now,
  });
  return { ...row!, key, app };
}

/** The same, for the app's owner only (the settings page). */
export async function createAppKeyAsOwner(db: Db, args: { appId: string; byUserId: string }, now: Date) {
  const [app] = await db.select().from(apps).where(eq(apps.id, args.appId));
  if (!app) throw notFound("App");
  // Outsiders learn nothing about another workspace's apps: "not found", as for a wrong id.
  await requireRole(db, { workspaceId: app.workspaceId, userId: args.byUserId }, ["owner", "admin", "member"], "manage app keys");
  if (app.ownerUserId !== args.byUserId) throw forbidden("Only the app's owner can create keys for it.");
  return createAppKey(db, app.id, args.byUserId, now);
}

/**
 * The app a presented key belongs to, with the account that pays for its integrations, or
 * null. Revoked keys are refused.
 */
export async function authenticateAppKey(db: Db, presented: string, now = new Date(), opts: { cached?: boolean } = {}) {
  if (!presented.startsWith(KEY_PREFIX) || presented.length > 200) return null;
  const digest = sha256(presented);
  const hash = digest.toString("hex");
  const hit = opts.cached ? known.get(hash) : undefined;
  if (hit && hit.until > Date.now()) {
    await noteKeyUsed(db, { id: hit.value.keyId, lastUsedAt: null }, now);
    return hit.value;
  }
  const found = await findAppPayer(db, { keyHash: hash });
  // The index lookup found the row by its hash; compare in constant time all the same.
  if (!found?.keyHash || !found.keyId || !timingSafeEqual(Buffer.from(found.keyHash, "hex"), digest)) return null;
  await noteKeyUsed(db, { id: found.keyId, lastUsedAt: found.keyLastUsedAt }, now);
  const value = { app: found.app, payer: found.account, keyId: found.keyId, switchAt: found.switchAt };
  known.set(hash, { value, until: Date.now() + KEY_CACHE_MS });
  if (known.size > 10_000) known.delete(known.keys().next().value!);
  return value;
}

/**
 * The charging path keeps what a key's lookup found (the app, its cap, the payer's account) for
 * a moment, so a busy key is not looked up on every call. Safe for money: the charge itself
 * locks the key's row and refuses a revoked key (debit-request.ts lockLiveKeys); what may be a
 * moment old is the payer's plan details, as if the call had come that moment earlier.
 */
export const KEY_CACHE_MS = 2_000;
type Found = NonNullable<Awaited<ReturnType<typeof findAppPayer>>>;
const known = new Map<string, { value: { app: Found["app"]; payer: Found["account"]; keyId: string; switchAt: Date | null }; until: number }>();

/** "Last used" is kept to the minute: a busy key writes its row at most once a minute, not once a call. */
export const KEY_USE_PRECISION_MS = 60_000;
const noted = new Map<string, number>();

/**
 * Records that a key was used. Skipped when the row (as just read) or this process wrote it
 * within the last minute, so the hot path adds a write a minute per key at most. A failed
 * write never fails the call it describes.
 */
async function noteKeyUsed(db: Db, key: { id: string; lastUsedAt: Date | null }, now: Date) {
  const last = Math.max(key.lastUsedAt?.getTime() ?? 0, noted.get(key.id) ?? 0);
  if (now.getTime() - last < KEY_USE_PRECISION_MS) {
    noted.set(key.id, last);
    return;
  }
  noted.set(key.id, now.getTime());
  if (noted.size > 10_000) noted.delete(noted.keys().next().value!);
  await db
    .update(appKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(appKeys.id, key.id), or(isNull(appKeys.lastUsedAt), lt(appKeys.lastUsedAt, now))))
    .catch((e: unknown) => console.warn("app key: could not note its use", e));
}

export async function listAppKeys(db: Db, appId: string) {
  return db
    .select({ id: appKeys.id, prefix: appKeys.prefix, createdAt: appKeys.createdAt, revokedAt: appKeys.revokedAt, lastUsedAt: appKeys.lastUsedAt })
    .from(appKeys)
    .where(eq(appKeys.appId, appId))
    .orderBy(desc(appKeys.createdAt));
}

/**
 * Revokes an app key: the next request with it answers 401. The app's owner may revoke its
 * keys, and so may the workspace's owner and admins (a leaked key must not outlive its owner's
 * absence).
 */
export async function revokeAppKey(db: Db, args: { keyId: string; byUserId: string | null }, now: Date) {
  const [row] = await db.select({ key: appKeys, app: apps }).from(appKeys).innerJoin(apps, eq(apps.id, appKeys.appId)).where(eq(appKeys.id, args.keyId));
  if (!row) throw notFound("App key");
  if (args.byUserId) {
    const role = await requireRole(db, { workspaceId: row.app.workspaceId, userId: args.byUserId }, ["owner", "admin", "member"], "manage app keys");
    if (role === "member" && row.app.ownerUserId !== args.byUserId) throw forbidden("Only the app's owner, or the workspace owner or an admin, can revoke its keys.");
  }
  return db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(appKeys)
      .set({ revokedAt: now })
      .where(and(eq(appKeys.id, args.keyId), isNull(appKeys.revokedAt)))
      .returning({ id: appKeys.id, prefix: appKeys.prefix, revokedAt: appKeys.revokedAt });
    known.delete(row.key.keyHash);
    if (!revoked) return { id: row.key.id, prefix: row.key.prefix, revokedAt: row.key.revokedAt!, alreadyRevoked: true };
    await writeAudit(tx, {
      workspaceId: row.app.workspaceId,
      actorUserId: args.byUserId,
      action: "app_key.revoked",
      targetType: "app",
      targetId: row.app.id,
      details: { keyId: revoked.id, prefix: revoked.prefix },
      now,
    });
    return { ...revoked, revokedAt: revoked.revokedAt!, alreadyRevoked: false };
  });
}
