"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { credits } from "@/lib/credits/amounts";
import { setMemberLimits } from "@/lib/billing/pools/member-limits";
import { invalid } from "@/lib/errors";

const limitField = z.union([z.literal(""), z.coerce.number().int("Use whole credits.").min(0, "A limit is 0 credits or more.").max(10_000_000)]);

/** The workspace's default monthly message-credit limit for members of its shared pool (empty: none). */
export const setDefaultLimitAction = authedAction(z.object({ workspaceId: z.string().uuid(), limit: limitField }), async ({ workspaceId, limit }, { db, user }) => {
  const r = await setMemberLimits(db, { workspaceId, byUserId: user.id, defaultLimit: limit === "" ? null : credits(limit) }, new Date());
  revalidatePath("/settings/workspace");
  return { ...r, limit: limit === "" ? null : credits(limit) };
});

/** One member's limit: the workspace's default, none, or their own number of credits. */
export const setMemberLimitAction = authedAction(
  z.object({ workspaceId: z.string().uuid(), userId: z.string().uuid(), mode: z.enum(["default", "none", "own"]), limit: limitField.optional() }),
  async ({ workspaceId, userId, mode, limit }, { db, user }) => {
    if (mode === "own" && (limit === undefined || limit === "")) throw invalid("Enter the member's limit in credits, or choose the default or no limit.");
    const value = mode === "default" ? ("default" as const) : mode === "none" ? null : credits(limit as number);
    const r = await setMemberLimits(db, { workspaceId, byUserId: user.id, member: { userId, limit: value } }, new Date());
    revalidatePath("/settings/workspace");
    return r;
  },
);
