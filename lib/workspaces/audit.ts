import { desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { auditLog, users } from "@/db/schema";
import { requireRole } from "./roles";

/** Every kind of audit entry, with the words the audit log shows for it. */
export const AUDIT_LABELS = {
  "seat.added": "Added a paid seat",
  "seat.assigned": "Assigned a seat",
  "seat.transferred": "Transferred a seat",
  "seat.removal_scheduled": "Scheduled a seat's removal",
  "seat.removed": "Seat removed (scheduled)",
  "plan.upgraded": "Upgraded a seat",
  "plan.downgrade_scheduled": "Scheduled a downgrade",
  "plan.downgraded": "Seat downgraded (scheduled)",
  "plan.cancel_scheduled": "Scheduled a cancellation",
  "plan.cancelled": "Seat ended by cancellation",
  "plan.change_undone": "Undid a pending change",
  "member.added": "Added a member",
  "member.invited": "Invited someone",
  "member.joined": "Joined by invitation",
  "member.removed": "Removed a member",
  "member.role_changed": "Changed a role",
  "member.invitation_revoked": "Revoked an invitation",
  "app.created": "Created an app",
  "app_key.created": "Created an app key",
  "app_key.revoked": "Revoked an app key",
  "app.owner_changed": "App passed to the owner",
  "app.cap_changed": "Changed an app's integration cap",
  "top_up.bought": "Bought top-up credits",
  "top_up.auto_bought": "Auto top-up bought credits",
  "top_up.granted": "Support granted top-up credits",
  "top_up.moved": "Moved paused top-ups to a seat",
  "top_up.auto_changed": "Changed auto top-up",
  "pool.started": "Started a shared pool",
  "model.switch_scheduled": "Scheduled a switch of credit model",
  "model.switch_undone": "Undid a switch of credit model",
  "model.switched_to_pool": "Switched to a shared pool",
  "model.switched_to_seats": "Switched to paid seats",
  "limit.default_changed": "Changed the default member limit",
  "limit.member_changed": "Changed a member's limit",
} as const;

export type AuditAction = keyof typeof AUDIT_LABELS;

export async function writeAudit(
  db: Db,
  entry: {
    workspaceId: string;
    /** Null when the system acted (a scheduled change coming due). */
    actorUserId: string | null;
    action: AuditAction;
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

/** The audit log, newest first, for owners and admins. */
export async function listAudit(db: Db, { workspaceId, viewerId }: { workspaceId: string; viewerId: string }, limit = 200) {
  await requireRole(db, { workspaceId, userId: viewerId }, ["owner", "admin"], "see the audit log");
  return db
    .select({ id: auditLog.id, createdAt: auditLog.createdAt, action: auditLog.action, targetType: auditLog.targetType, targetId: auditLog.targetId, details: auditLog.details, actorName: users.name })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(eq(auditLog.workspaceId, workspaceId))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(limit);
}
