"use server";

import { z } from "zod";
import { authedAction } from "@/lib/action";
import { acceptInvitation } from "@/lib/workspaces/invitations";

/** Joins; the person's current workspace stays as it is until they choose the new one. */
export const acceptInviteAction = authedAction(z.object({ token: z.string().min(10).max(200) }), async ({ token }, { db, user }) =>
  acceptInvitation(db, { token, userId: user.id }, new Date()),
);
