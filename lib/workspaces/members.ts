import { createHash, randomBytes } from "node:crypto";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, invitations, memberships, seatTransfers, users, workspaces } from "@/db/schema";
import { writeAudit } from "./audit";
import { conflict, forbidden, invalid, notFound } from "@/lib/errors";
import { requireRole, type Role } from "./roles";
import { normalizeEmail } from "@/lib/auth/users";

const INVITE_DAYS = 14;
const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export type InviteResult = { kind: "added"; userId: string } | { kind: "invited"; token: string; expiresAt: Date };

/**
 * Invites someone by email. An existing account joins at once; otherwise an invitation link
 * is made (its token shown once). Owners invite admins or members; admins invite members.
 */
export async function inviteMember(db: Db, args: { workspaceId: string; email: string; role: "admin" | "member"; byUserId: string }, now: Date): Promise<InviteResult> {
  const byRole = await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner", "admin"], "invite people");
  if (args.role === "admin" && byRole !== "owner") throw forbidden("Only the workspace owner can make someone an admin.");
  const email = normalizeEmail(args.email);
  const [existing] = await db.select().from(users).where(eq(users.email, email));
  if (existing) {
    const [already] = await db
      .select()
      .from(memberships)
      .where(and(eq(memberships.workspaceId, args.workspaceId), eq(memberships.userId, existing.id)));
    if (already) throw conflict(`${existing.name} is already a member of this workspace.`);
    await db.transaction(async (tx) => {
      await tx.insert(memberships).values({ workspaceId: args.workspaceId, userId: existing.id, role: args.role, createdAt: now });
      await writeAudit(tx, { workspaceId: args.workspaceId, actorUserId: args.byUserId, action: "member.added", targetType: "user", targetId: existing.id, details: { email, role: args.role }, now });
    });
    return { kind: "added", userId: existing.id };
  }
  const token = randomBytes(24).toString("base64url");
  const expiresAt = new Date(now.getTime() + INVITE_DAYS * 86_400_000);
  await db.transaction(async (tx) => {
    const [inv] = await tx
      .insert(invitations)
      .values({ workspaceId: args.workspaceId, email, role: args.role, tokenHash: hashToken(token), invitedBy: args.byUserId, createdAt: now, expiresAt })
      .returning();
    await writeAudit(tx, { workspaceId: args.workspaceId, actorUserId: args.byUserId, action: "member.invited", targetType: "invitation", targetId: inv!.id, details: { email, role: args.role }, now });
  });
  return { kind: "invited", token, expiresAt };
}

export async function findInvitation(db: Db, token: string, now: Date) {
  const [row] = await db
    .select({ invitation: invitations, workspaceName: workspaces.name })
    .from(invitations)
    .innerJoin(workspaces, eq(workspaces.id, invitations.workspaceId))
    .where(eq(invitations.tokenHash, hashToken(token)));
  if (!row || row.invitation.acceptedAt || row.invitation.revokedAt || row.invitation.expiresAt <= now) return null;
  return row;
}

/** Joins the workspace of an invitation; it must be addressed to the signed-in person's email. */
export async function acceptInvitation(db: Db, args: { token: string; userId: string }, now: Date) {
  const found = await findInvitation(db, args.token, now);
  if (!found) throw notFound("This invitation (it may have expired or been used)");
  const [user] = await db.select().from(users).where(eq(users.id, args.userId));
  if (!user || user.email !== found.invitation.email) throw forbidden(`This invitation is for ${found.invitation.email}. Sign in with that email to accept it.`);
  const inv = found.invitation;
  return db.transaction(async (tx) => {
    const [used] = await tx
      .update(invitations)
      .set({ acceptedAt: now })
      .where(and(eq(invitations.id, inv.id), isNull(invitations.acceptedAt)))
      .returning();
    if (!used) throw conflict("This invitation was already used.");
    await tx.insert(memberships).values({ workspaceId: inv.workspaceId, userId: user.id, role: inv.role, createdAt: now }).onConflictDoNothing();
    await writeAudit(tx, { workspaceId: inv.workspaceId, actorUserId: user.id, action: "member.joined", targetType: "user", targetId: user.id, details: { invitationId: inv.id, role: inv.role }, now });
    return { workspaceId: inv.workspaceId, workspaceName: found.workspaceName };
  });
}

async function membershipOf(db: Db, workspaceId: string, userId: string) {
  const [m] = await db.select().from(memberships).where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  if (!m) throw notFound("Member");
  return m;
}

/**
 * Removes a member. The owner cannot be removed (a workspace always keeps its owner); admins
 * may remove members but not other admins. A seat the member held stays, unassigned.
 */
export async function removeMember(db: Db, args: { workspaceId: string; userId: string; byUserId: string }, now: Date) {
  const byRole = await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner", "admin"], "remove members");
  const target = await membershipOf(db, args.workspaceId, args.userId);
  if (target.role === "owner") throw forbidden("The workspace owner cannot be removed.");
  if (target.role === "admin" && byRole !== "owner") throw forbidden("Only the workspace owner can remove an admin.");
  await db.transaction(async (tx) => {
    const seats = await tx
      .update(creditAccounts)
      .set({ holderUserId: null })
      .where(and(eq(creditAccounts.workspaceId, args.workspaceId), eq(creditAccounts.holderUserId, args.userId), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")))
      .returning({ id: creditAccounts.id });
    for (const s of seats) {
      await tx.insert(seatTransfers).values({ workspaceId: args.workspaceId, accountId: s.id, fromUserId: args.userId, toUserId: null, byUserId: args.byUserId, createdAt: now });
    }
    await tx.delete(memberships).where(eq(memberships.id, target.id));
    await writeAudit(tx, { workspaceId: args.workspaceId, actorUserId: args.byUserId, action: "member.removed", targetType: "user", targetId: args.userId, details: { role: target.role, seatsUnassigned: seats.map((s) => s.id) }, now });
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
