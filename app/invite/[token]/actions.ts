"use server";

import { z } from "zod";
import { authedAction } from "@/lib/action";
import { acceptInvitation } from "@/lib/workspaces/members";
import { rememberWorkspace } from "@/lib/auth/session";

export const acceptInviteAction = authedAction(z.object({ token: z.string().min(10).max(200) }), async ({ token }, { db, user }) => {
  const joined = await acceptInvitation(db, { token, userId: user.id }, new Date());
  await rememberWorkspace(joined.workspaceId);
  return joined;
});
