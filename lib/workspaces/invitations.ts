import { createHash, createHmac, randomUUID } from "node:crypto";
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, invitations, memberships, notifications, users, workspaces } from "@/db/schema";
import { env } from "@/lib/env";
import { queueMail } from "@/lib/mail";
import { normalizeEmail } from "@/lib/format/email";
import { authSecret } from "@/lib/secret";
import { conflict, forbidden, isUniqueViolation, notFound } from "@/lib/errors";
import { writeAudit } from "./audit";
import { requireRole } from "./roles";

/**
 * Invitations: joining a workspace always takes the invited person's consent. An invitation
 * is a link, used once, within 7 days, by the person signed in with the invited email. The
 * inviter's answer is the same whether or not that email has an account.
 */
export const INVITATION_DAYS = 7;
const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
/**
 * An invitation's token is derived from its id and the server's secret: the database keeps
 * only its hash (a copy of the table opens no door), yet owners and admins can copy an open
 * invitation's link again later. Changing AUTH_SECRET changes every open link.
 */
const tokenFor = (invitationId: string) => createHmac("sha256", authSecret()).update(`invitation:${invitationId}`).digest("base64url");

export interface Invited {
  /** The link to send; only its token's hash is kept, and owners and admins can copy it again while it is open. */
  path: string;
  expiresAt: Date;
}

/** Inviting the same address to the same role again within this long is the same invitation (a double click): no new link, no second email. */
export const SAME_INVITATION_MS = 60_000;
/** Tries of an invitation whose address another invitation took at the same moment (the unique index said so). */
const INVITE_TRIES = 3;

/**
 * Owners invite admins or members; admins invite members. A new invitation replaces an open one
 * to the same email, in one transaction (one open invitation per address: a unique index); the
 * same invitation sent again at once answers with the open one and sends nothing more.
 */
export async function inviteMember(db: Db, args: { workspaceId: string; email: string; role: "admin" | "member"; byUserId: string }, now: Date): Promise<Invited> {
  const byRole = await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner", "admin"], "invite people");
  if (args.role === "admin" && byRole !== "owner") throw forbidden("Only the workspace owner can make someone an admin.");
  const email = normalizeEmail(args.email);
  // The inviter sees the member list anyway, so saying "already a member" reveals nothing new;
  // whether the email has an account elsewhere is never said.
  const [member] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.workspaceId, args.workspaceId), eq(users.email, email)));
  if (member) throw conflict("That email belongs to a member of this workspace already.");
  const [ws] = await db.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, args.workspaceId));
  const [inviter] = await db.select({ name: users.name }).from(users).where(eq(users.id, args.byUserId));
  for (let tries = 1; ; tries++) {
    try {
      return await db.transaction((tx) => replaceInvitation(tx, { ...args, email, workspaceName: ws?.name, inviterName: inviter?.name }, now));
    } catch (err) {
      // Another invitation to this address committed first: ours rolled back whole (nothing
      // sent); the next try finds it open and answers with it, or replaces it.
      if (!isUniqueViolation(err, "invitations_open_unique") || tries >= INVITE_TRIES) throw err;
    }
  }
}

async function replaceInvitation(
  tx: Db,
  args: { workspaceId: string; email: string; role: "admin" | "member"; byUserId: string; workspaceName?: string; inviterName?: string },
  now: Date,
): Promise<Invited> {
  const { email } = args;
  const inviter = args.inviterName ?? "Someone";
  // The open invitation to this address, held until this transaction ends.
  const [open] = await tx
    .select()
    .from(invitations)
    .where(and(eq(invitations.workspaceId, args.workspaceId), eq(invitations.email, email), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
    .for("update");
  if (open && open.role === args.role && open.expiresAt > now && now.getTime() - open.createdAt.getTime() < SAME_INVITATION_MS) {
    return { path: `/invite/${tokenFor(open.id)}`, expiresAt: open.expiresAt };
  }
  if (open) await tx.update(invitations).set({ revokedAt: now }).where(eq(invitations.id, open.id));
  const id = randomUUID();
  const token = tokenFor(id);
  const expiresAt = new Date(now.getTime() + INVITATION_DAYS * 86_400_000);
  const path = `/invite/${token}`;
  const [inv] = await tx
    .insert(invitations)
    .values({ id, workspaceId: args.workspaceId, email, role: args.role, tokenHash: hashToken(token), invitedBy: args.byUserId, createdAt: now, expiresAt })
    .returning();
  await writeAudit(tx, { workspaceId: args.workspaceId, actorUserId: args.byUserId, action: "member.invited", targetType: "invitation", targetId: inv!.id, details: { email, role: args.role }, now });
  // The link goes to the invited address (the inviter sees it too, to pass on another way).
  const link = new URL(path, env().NEXTAUTH_URL).toString();
  await queueMail(
    tx,
    {
      key: `invitation:${id}`,
      to: email,
      workspaceId: args.workspaceId,
      subject: `${inviter} invited you to ${args.workspaceName ?? "a workspace"} on Credits`,
      text: [
        `${inviter} invited you to join ${args.workspaceName ?? "their workspace"} on Credits as ${args.role === "admin" ? "an admin" : "a member"}.`,
        "",
        `Accept here (sign in or sign up with ${email}): ${link}`,
        "",
        `The link works once and until ${expiresAt.toUTCString()}. If you did not expect this, ignore this email.`,
      ].join("\n"),
    },
    now,
  );
  // Someone who has an account here is also told in the app (the inviter's answer never says so).
  const [existing] = await tx
    .select({ userId: users.id, accountId: creditAccounts.id })
    .from(users)
    .innerJoin(creditAccounts, and(eq(creditAccounts.holderUserId, users.id), eq(creditAccounts.type, "free")))
    .where(eq(users.email, email));
  if (existing) {
    await tx
      .insert(notifications)
      .values({ userId: existing.userId, workspaceId: null, accountId: existing.accountId, kind: "none", cycleStart: now, body: `${inviter} invited you to join ${args.workspaceName ?? "a workspace"}.`, dedupeKey: `invitation:${id}`, href: path, createdAt: now })
      .onConflictDoNothing();
  }
  return { path, expiresAt };
}

/** An open invitation by its token: not used, not revoked, not expired. */
export async function findInvitation(db: Db, token: string, now: Date) {
  const [row] = await db
    .select({ invitation: invitations, workspaceName: workspaces.name })
    .from(invitations)
    .innerJoin(workspaces, eq(workspaces.id, invitations.workspaceId))
    .where(eq(invitations.tokenHash, hashToken(token)));
  if (!row || row.invitation.acceptedAt || row.invitation.revokedAt || row.invitation.expiresAt <= now) return null;
  return row;
}

/**
 * Joins the workspace of an invitation, once; it must be addressed to the signed-in person's
 * email. Joining does not switch the person's current workspace: they choose when to.
 */
export async function acceptInvitation(db: Db, args: { token: string; userId: string }, now: Date) {
  const found = await findInvitation(db, args.token, now);
  if (!found) throw notFound("This invitation (it may have expired, been revoked or been used)");
  const [user] = await db.select().from(users).where(eq(users.id, args.userId));
  if (!user || user.email !== found.invitation.email) throw forbidden(`This invitation is for ${found.invitation.email}. Sign in with that email to accept it.`);
  const inv = found.invitation;
  return db.transaction(async (tx) => {
    const [used] = await tx
      .update(invitations)
      .set({ acceptedAt: now })
      .where(and(eq(invitations.id, inv.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now)))
      .returning();
    if (!used) throw conflict("This invitation was already used or revoked.");
    await tx.insert(memberships).values({ workspaceId: inv.workspaceId, userId: user.id, role: inv.role, createdAt: now }).onConflictDoNothing();
    await writeAudit(tx, { workspaceId: inv.workspaceId, actorUserId: user.id, action: "member.joined", targetType: "user", targetId: user.id, details: { invitationId: inv.id, role: inv.role }, now });
    return { workspaceId: inv.workspaceId, workspaceName: found.workspaceName };
  });
}

/** The workspace's open invitations, newest first, for owners and admins. */
export async function listInvitations(db: Db, { workspaceId, viewerId }: { workspaceId: string; viewerId: string }, now: Date) {
  await requireRole(db, { workspaceId, userId: viewerId }, ["owner", "admin"], "see invitations");
  return db
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, createdAt: invitations.createdAt, expiresAt: invitations.expiresAt, invitedBy: users.name })
    .from(invitations)
    .innerJoin(users, eq(users.id, invitations.invitedBy))
    .where(and(eq(invitations.workspaceId, workspaceId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now)))
    .orderBy(desc(invitations.createdAt));
}

/**
 * An open invitation's link, for owners and admins to copy again. An invitation made before
 * links were derived (its token was random and is gone) gets a new link; the old one stops working.
 */
export async function invitationLink(db: Db, args: { invitationId: string; byUserId: string }, now: Date): Promise<Invited & { renewed: boolean }> {
  const [inv] = await db.select().from(invitations).where(eq(invitations.id, args.invitationId));
  if (!inv) throw notFound("Invitation");
  await requireRole(db, { workspaceId: inv.workspaceId, userId: args.byUserId }, ["owner", "admin"], "see invitations");
  if (inv.acceptedAt || inv.revokedAt || inv.expiresAt <= now) throw conflict(`The invitation for ${inv.email} is no longer open (used, revoked or expired). Invite them again for a new link.`);
  const token = tokenFor(inv.id);
  const renewed = inv.tokenHash !== hashToken(token);
  if (renewed) await db.update(invitations).set({ tokenHash: hashToken(token) }).where(eq(invitations.id, inv.id));
  return { path: `/invite/${token}`, expiresAt: inv.expiresAt, renewed };
}

/** Revokes an open invitation: its link stops working at once. */
export async function revokeInvitation(db: Db, args: { invitationId: string; byUserId: string }, now: Date) {
  const [inv] = await db.select().from(invitations).where(eq(invitations.id, args.invitationId));
  if (!inv) throw notFound("Invitation");
  await requireRole(db, { workspaceId: inv.workspaceId, userId: args.byUserId }, ["owner", "admin"], "revoke invitations");
  return db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(invitations)
      .set({ revokedAt: now })
      .where(and(eq(invitations.id, inv.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
      .returning();
    if (!revoked) throw conflict("This invitation was already used or revoked.");
    await writeAudit(tx, { workspaceId: inv.workspaceId, actorUserId: args.byUserId, action: "member.invitation_revoked", targetType: "invitation", targetId: inv.id, details: { email: inv.email }, now });
    return revoked;
  });
}
