import type { Db } from "@/db/client";
import { listAppsWithUsage } from "@/lib/apps/apps";

/** Home: the workspace's apps with the integration credits each used this cycle. */
export async function getHomeView(db: Db, { workspaceId }: { workspaceId: string }, now: Date) {
  return { apps: await listAppsWithUsage(db, workspaceId, now) };
}
