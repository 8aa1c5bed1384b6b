"use server";

/** Server actions shared by both route groups (the top bar's workspace switcher and notification bell). */
import { z } from "zod";
import { authedAction, UserError } from "@/lib/action";
import { rememberWorkspace } from "@/lib/auth/session";
import { markNotificationsRead } from "@/lib/notifications";
import { getMembership } from "@/lib/workspaces/memberships";

export const switchWorkspaceAction = authedAction(z.object({ workspaceId: z.string().uuid() }), async ({ workspaceId }, { db, user }) => {
  const membership = await getMembership(db, { workspaceId, userId: user.id });
  if (!membership) throw new UserError("You are not a member of that workspace.");
  await rememberWorkspace(workspaceId);
  return { workspaceId };
});

export const markNotificationsReadAction = authedAction(z.object({ ids: z.array(z.string().uuid()).max(100) }), async ({ ids }, { db, user }) => ({
  marked: await markNotificationsRead(db, user.id, ids, new Date()),
}));
