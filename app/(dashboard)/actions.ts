"use server";

import { cookies } from "next/headers";
import { z } from "zod";
import { authedAction, UserError } from "@/lib/action";
import { WORKSPACE_COOKIE } from "@/lib/session";
import { getMembership } from "@/lib/workspaces";

const switchSchema = z.object({ workspaceId: z.string().uuid() });

const switchWorkspace = authedAction(switchSchema, async ({ workspaceId }, { db, user }) => {
  const membership = await getMembership(db, user.id, workspaceId);
  if (!membership) throw new UserError("You are not a member of that workspace.");
  (await cookies()).set(WORKSPACE_COOKIE, workspaceId, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    maxAge: 60 * 60 * 24 * 365,
  });
  return { workspaceId };
});

export async function switchWorkspaceAction(workspaceId: string) {
  return switchWorkspace(null, { workspaceId });
}
