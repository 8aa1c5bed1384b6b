"use server";

/** Top-up actions shared by the billing page and the editor's out-of-credits notice. */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { getTopUpOptions } from "@/lib/views/top-ups";
import { buyTopUp } from "@/lib/billing/top-ups/buy-top-up";
import { MAX_PACKS_PER_PURCHASE } from "@/lib/credits/plans";

const id = z.string().uuid();

/** What the Buy top-up dialog offers: the workspace's active seats, packs and prices (owners only). */
export const topUpOptionsAction = authedAction(z.object({ workspaceId: id }), async ({ workspaceId }, { db, user }) =>
  getTopUpOptions(db, { workspaceId, userId: user.id }, new Date()),
);

export const buyTopUpAction = authedAction(
  z.object({
    seatId: id,
    kind: z.enum(["message", "integration"]),
    packs: z.coerce.number().int().min(1, "Buy at least one pack.").max(MAX_PACKS_PER_PURCHASE, `Buy at most ${MAX_PACKS_PER_PURCHASE} packs at a time.`),
    decisionKey: z.string().uuid().optional(),
  }),
  async (input, { db, user }) => {
    const lot = await buyTopUp(db, { ...input, byUserId: user.id }, new Date());
    revalidatePath("/settings", "layout");
    return { credits: lot.credits, kind: lot.kind, expiresAt: lot.expiresAt.toISOString() };
  },
);
