"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { createAppKeyAsOwner } from "@/lib/apps/keys";

const createKeySchema = z.object({ appId: z.string().uuid("Choose one of your apps.") });

export const createKeyAction = authedAction(createKeySchema, async ({ appId }, { db, user }) => {
  const created = await createAppKeyAsOwner(db, { appId, byUserId: user.id }, new Date());
  revalidatePath("/settings/api-keys");
  // The key is returned to this one response only; it is never stored or shown again.
  return { appName: created.app.name, key: created.key, prefix: created.prefix };
});
