import { and, count, desc, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { notifications } from "@/db/schema";

/** A person's latest notices (80% / 100% of a credit kind used) and how many are unread. */
export async function listNotifications(db: Db, userId: string, limit = 20) {
  const items = await db
    .select()
    .from(notifications)
    .where(eq(notifications.userId, userId))
    .orderBy(desc(notifications.createdAt))
    .limit(limit);
  const [unread] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return { unread: unread?.n ?? 0, items };
}

/** Marks the given notices read; only the person's own (the user id is part of the filter). */
export async function markNotificationsRead(db: Db, userId: string, ids: string[], now: Date) {
  if (ids.length === 0) return 0;
  const rows = await db
    .update(notifications)
    .set({ readAt: now })
    .where(and(eq(notifications.userId, userId), inArray(notifications.id, ids), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return rows.length;
}
