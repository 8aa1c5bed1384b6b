"use server";

/** Members ask for credits (from the out-of-credits notice); owners and admins answer (Settings → Members). */
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { answerRequest, askForCredits } from "@/lib/billing/requests/credit-requests";

const id = z.string().uuid();

export const askForCreditsAction = authedAction(z.object({ workspaceId: id, kind: z.enum(["message", "integration"]) }), async (input, { db, user }) => {
  const r = await askForCredits(db, { ...input, userId: user.id }, new Date());
  return { status: r.status, createdAt: r.createdAt.toISOString() };
});

export const answerRequestAction = authedAction(z.object({ requestId: id, answer: z.enum(["done", "declined"]) }), async (input, { db, user }) => {
  // No revalidation: the answered row stays on screen with what was said until the page reloads.
  const r = await answerRequest(db, { ...input, byUserId: user.id }, new Date());
  return { status: r.status };
});
