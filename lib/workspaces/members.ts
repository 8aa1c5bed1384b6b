import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, creditAccounts, invitations, memberships, seatTransfers, users, workspaces } from "@/db/schema";
import { writeAudit } from "./audit";
import { forbidden, invalid, notFound } from "@/lib/errors";
import { requireRole, type Role } from "./roles";

async function membershipOf(db: Db, workspaceId: string, userId: string) {
  const [m] = await db.select().from(memberships).where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  if (!m) throw notFound("Member");
  return m;
}

/**
 * Removes a member. The owner cannot be removed (a workspace always keeps its owner); admins
 * may remove members but not other admins. In the same transaction: a seat the member held
 * stays, unassigned; their apps pass to the workspace owner, who pays their integrations from
 * now on (a workspace never charges a person who left it); invitations they sent are revoked.
 */
export async function removeMember(db: Db, args: { workspaceId: string; userId: string; byUserId: string }, now: Date) {
  const byRole = await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner", "admin"], "remove members");
  const target = await membershipOf(db, args.workspaceId, args.userId);
  if (target.role === "owner") throw forbidden("The workspace owner cannot be removed.");
  if (target.role === "admin" && byRole !== "owner") throw forbidden("Only the workspace owner can remove an admin.");
  await db.transaction(async (tx) => {
    const [ws] = await tx.select({ ownerId: workspaces.ownerId }).from(workspaces).where(eq(workspaces.id, args.workspaceId));
    const seats = await tx
      .update(creditAccounts)
      .set({ holderUserId: null })
      .where(and(eq(creditAccounts.workspaceId, args.workspaceId), eq(creditAccounts.holderUserId, args.userId), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")))
      .returning({ id: creditAccounts.id });
    for (const s of seats) {
      await tx.insert(seatTransfers).values({ workspaceId: args.workspaceId, accountId: s.id, fromUserId: args.userId, toUserId: null, byUserId: args.byUserId, createdAt: now });
    }
    const moved = await tx
      .update(apps)
      .set({ ownerUserId: ws!.ownerId })
      .where(and(eq(apps.workspaceId, args.workspaceId), eq(apps.ownerUserId, args.userId)))
      .returning({ id: apps.id, name: apps.name });
    for (const app of moved) {
      await writeAudit(tx, { workspaceId: args.workspaceId, actorUserId: args.byUserId, action: "app.owner_changed", targetType: "app", targetId: app.id, details: { app: app.name, fromUserId: args.userId, toUserId: ws!.ownerId }, now });
    }
    await tx
      .update(invitations)
      .set({ revokedAt: now })
      .where(and(eq(invitations.workspaceId, args.workspaceId), eq(invitations.invitedBy, args.userId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
    await tx.delete(memberships).where(eq(memberships.id, target.id));
    await writeAudit(tx, { workspaceId: args.workspaceId, actorUserId: args.byUserId, action: "member.removed", targetType: "user", targetId: args.userId, details: { role: target.role, seatsUnassigned: seats.map((s) => s.id), appsToOwner: moved.map((a) => a.name) }, now });
  });
}

/** Makes a member an admin or an admin a member. Only the owner; the owner's own role stays. */
export async function changeRole(db: Db, args: { workspaceId: string; userId: string; role: "admin" | "member"; byUserId: string }, now: Date) {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner"], "change roles");
  const target = await membershipOf(db, args.workspaceId, args.userId);
  if (target.role === "owner") throw invalid("The owner's role cannot be changed.");
  if (target.role === args.role) return target;
  return db.transaction(async (tx) => {
    const [updated] = await tx.update(memberships).set({ role: args.role }).where(eq(memberships.id, target.id)).returning();
    await writeAudit(tx, { workspaceId: args.workspaceId, actorUserId: args.byUserId, action: "member.role_changed", targetType: "user", targetId: args.userId, details: { from: target.role, to: args.role }, now });
    return updated!;
  });
}

export interface MemberRow {
  userId: string;
  name: string;
  email: string;
  role: Role;
}

export async function listMembers(db: Db, workspaceId: string): Promise<MemberRow[]> {
  return db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, workspaceId))
    .orderBy(asc(users.name));
}
