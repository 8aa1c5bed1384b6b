"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { transferSeat } from "@/lib/billing/seats/transfer-seat";
import { invitationLink, inviteMember, revokeInvitation } from "@/lib/workspaces/invitations";
import { changeRole, removeMember } from "@/lib/workspaces/members";

const id = z.string().uuid();
const done = () => revalidatePath("/settings", "layout");

export const inviteAction = authedAction(
  z.object({ workspaceId: id, email: z.string().trim().max(320).email("Enter a valid email address."), role: z.enum(["admin", "member"]).default("member") }),
  async (input, { db, user }) => {
    const r = await inviteMember(db, { ...input, byUserId: user.id }, new Date());
    done();
    return { path: r.path, expiresAt: r.expiresAt.toISOString() };
  },
);

export const removeMemberAction = authedAction(z.object({ workspaceId: id, userId: id }), async (input, { db, user }) => {
  await removeMember(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { removed: true };
});

export const changeRoleAction = authedAction(z.object({ workspaceId: id, userId: id, role: z.enum(["admin", "member"]) }), async (input, { db, user }) => {
  await changeRole(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { role: input.role };
});

/** Assigns an unassigned seat, or moves a held one: the same operation, with or without a previous holder. */
export const transferSeatAction = authedAction(z.object({ seatId: id, toUserId: id, fromUserId: z.union([id, z.literal("")]).optional() }), async (input, { db, user }) => {
  const fromUserId = input.fromUserId === undefined ? undefined : input.fromUserId || null;
  await transferSeat(db, { ...input, fromUserId, byUserId: user.id }, new Date());
  done();
  return { moved: true };
});

export const revokeInvitationAction = authedAction(z.object({ invitationId: id }), async (input, { db, user }) => {
  await revokeInvitation(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { revoked: true };
});

export const invitationLinkAction = authedAction(z.object({ invitationId: id }), async (input, { db, user }) => {
  const r = await invitationLink(db, { ...input, byUserId: user.id }, new Date());
  return { path: r.path, renewed: r.renewed };
});
