import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { sessions, users } from "@/db/schema";

/**
 * Server-side sessions behind the signed JWT cookie: the cookie names a session, and the
 * session must still be open. Signing out closes it, so a copied cookie is worth nothing after.
 */
export async function startSession(db: Db, userId: string, now: Date): Promise<string> {
  const [row] = await db.insert(sessions).values({ userId, createdAt: now }).returning({ id: sessions.id });
  return row!.id;
}

export async function endSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** The person of an open session, in one query; null for a closed, unknown or mismatched one. */
export async function userOfSession(db: Db, { userId, sessionId }: { userId: string; sessionId: string }) {
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  return user ?? null;
}
