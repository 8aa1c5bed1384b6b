"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { plainText } from "@/lib/validation";
import { createApp } from "@/lib/apps/apps";
import { credits } from "@/lib/credits/amounts";
import { setAppCap } from "@/lib/credits/app-caps";

const createAppSchema = z.object({
  workspaceId: z.string().uuid(),
  name: plainText(z.string().trim().min(1, "Give the app a name.").max(60, "Use at most 60 characters.")),
});

export const createAppAction = authedAction(createAppSchema, async (input, { db, user }) => {
  const app = await createApp(db, { ...input, userId: user.id }, new Date());
  revalidatePath("/");
  return { id: app.id, name: app.name };
});

/** Sets (whole credits) or removes (empty) an app's integration cap per cycle. */
export const setAppCapAction = authedAction(
  z.object({
    appId: z.string().uuid(),
    cap: z.union([z.literal(""), z.coerce.number().int("Use whole credits.").min(1, "Set a cap of at least 1 credit, or leave it empty for none.").max(10_000_000)]),
  }),
  async ({ appId, cap }, { db, user }) => {
    const app = await setAppCap(db, { appId, cap: cap === "" ? null : credits(cap), byUserId: user.id }, new Date());
    revalidatePath("/");
    return { cap: app.integrationCap };
  },
);
