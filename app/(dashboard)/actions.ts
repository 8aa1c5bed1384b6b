"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { plainText } from "@/lib/validation";
import { createApp } from "@/lib/apps/apps";

const createAppSchema = z.object({
  workspaceId: z.string().uuid(),
  name: plainText(z.string().trim().min(1, "Give the app a name.").max(60, "Use at most 60 characters.")),
});

export const createAppAction = authedAction(createAppSchema, async (input, { db, user }) => {
  const app = await createApp(db, { ...input, userId: user.id }, new Date());
  revalidatePath("/");
  return { id: app.id, name: app.name };
});
