"use server";

import { cookies } from "next/headers";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { acceptInvitation } from "@/lib/members";
import { WORKSPACE_COOKIE } from "@/lib/session";

export const acceptInviteAction = authedAction(z.object({ token: z.string().min(10).max(200) }), async ({ token }, { db, user }) => {
  const joined = await acceptInvitation(db, { token, userId: user.id }, new Date());
  (await cookies()).set(WORKSPACE_COOKIE, joined.workspaceId, { httpOnly: true, sameSite: "lax", path: "/", maxAge: 60 * 60 * 24 * 365 });
  return joined;
});
