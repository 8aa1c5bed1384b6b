import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps } from "@/db/schema";
import { listAppKeys } from "@/lib/apps/keys";

/** Settings → API keys: the viewer's own apps in the workspace, each with its keys. */
export async function getApiKeysView(db: Db, { workspaceId, userId }: { workspaceId: string; userId: string }) {
  const mine = await db
    .select({ id: apps.id, name: apps.name })
    .from(apps)
    .where(and(eq(apps.workspaceId, workspaceId), eq(apps.ownerUserId, userId)))
    .orderBy(asc(apps.name));
  return { apps: await Promise.all(mine.map(async (app) => ({ ...app, keys: await listAppKeys(db, app.id) }))) };
}
