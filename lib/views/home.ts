import type { Db } from "@/db/client";
import { listAppsWithUsage } from "@/lib/apps/apps";
import { getMemberBalance } from "@/lib/credits/balance";

/** Home: the viewer's own credits here at a glance, and the workspace's apps with this cycle's usage. */
export async function getHomeView(db: Db, { workspaceId, userId }: { workspaceId: string; userId: string }, now: Date) {
  const [apps, me] = await Promise.all([listAppsWithUsage(db, workspaceId, now), getMemberBalance(db, { workspaceId, userId }, now)]);
  return { apps, me };
}
