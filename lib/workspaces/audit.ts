import type { Db } from "@/db/client";
import { auditLog } from "@/db/schema";

export async function writeAudit(
  db: Db,
  entry: {
    workspaceId: string;
    /** Null when the system acted (a scheduled change coming due). */
    actorUserId: string | null;
    action: string;
    targetType: string;
    targetId: string | null;
    details?: Record<string, unknown>;
    now: Date;
  },
): Promise<void> {
  await db.insert(auditLog).values({
    workspaceId: entry.workspaceId,
    actorUserId: entry.actorUserId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    details: entry.details ?? {},
    createdAt: entry.now,
  });
}
