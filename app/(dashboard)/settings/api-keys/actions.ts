"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { createAppKeyAsOwner, revokeAppKey } from "@/lib/apps/keys";

const createKeySchema = z.object({ appId: z.string().uuid("Choose one of your apps.") });

export const createKeyAction = authedAction(createKeySchema, async ({ appId }, { db, user }) => {
  const created = await createAppKeyAsOwner(db, { appId, byUserId: user.id }, new Date());
  revalidatePath("/settings/api-keys");
  // The key is returned to this one response only; it is never stored or shown again.
  return { appName: created.app.name, key: created.key, prefix: created.prefix };
});

export const revokeKeyAction = authedAction(z.object({ keyId: z.string().uuid() }), async ({ keyId }, { db, user }) => {
  const revoked = await revokeAppKey(db, { keyId, byUserId: user.id }, new Date());
  revalidatePath("/settings/api-keys");
  return { prefix: revoked.prefix };
});
