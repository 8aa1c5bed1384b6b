"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction, UserError } from "@/lib/action";
import { rememberWorkspace } from "@/lib/auth/session";
import { createApp } from "@/lib/apps/apps";
import { markNotificationsRead } from "@/lib/notifications";
import { getMembership } from "@/lib/workspaces/memberships";

const switchSchema = z.object({ workspaceId: z.string().uuid() });

const switchWorkspace = authedAction(switchSchema, async ({ workspaceId }, { db, user }) => {
  const membership = await getMembership(db, { workspaceId: workspaceId, userId: user.id });
  if (!membership) throw new UserError("You are not a member of that workspace.");
  await rememberWorkspace(workspaceId);
  return { workspaceId };
});

export async function switchWorkspaceAction(workspaceId: string) {
  return switchWorkspace(null, { workspaceId });
}

const markReadSchema = z.object({ ids: z.array(z.string().uuid()).max(100) });

const markRead = authedAction(markReadSchema, async ({ ids }, { db, user }) => ({
  marked: await markNotificationsRead(db, user.id, ids, new Date()),
}));

export async function markNotificationsReadAction(ids: string[]) {
  return markRead(null, { ids });
}

const createAppSchema = z.object({
  workspaceId: z.string().uuid(),
  name: z.string().trim().min(1, "Give the app a name.").max(60, "Use at most 60 characters."),
});

export const createAppAction = authedAction(createAppSchema, async (input, { db, user }) => {
  const app = await createApp(db, { ...input, userId: user.id }, new Date());
  revalidatePath("/");
  return { id: app.id, name: app.name };
});
