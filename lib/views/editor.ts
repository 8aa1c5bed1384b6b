import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users, workspaces } from "@/db/schema";
import { appForMember } from "@/lib/apps/editor";
import { COSTS, INTEGRATION_ACTIONS } from "@/lib/credits/costs";

/**
 * The editor of one app, for a member of its workspace (anyone else gets "not found"): the
 * app, who owns the workspace (whom to ask for credits), whose integration credits it spends,
 * and the cost of each action, shown before it is taken.
 */
export async function getEditorView(db: Db, { appId, userId }: { appId: string; userId: string }) {
  const { app, role } = await appForMember(db, appId, userId);
  const [owner] = await db
    .select({ name: users.name, model: workspaces.creditModel })
    .from(workspaces)
    .innerJoin(users, eq(users.id, workspaces.ownerId))
    .where(eq(workspaces.id, app.workspaceId));
  const [appOwner] = await db.select({ name: users.name }).from(users).where(eq(users.id, app.ownerUserId));
  return {
    app,
    isOwner: role === "owner",
    ownerName: owner?.name ?? "the owner",
    /** Undefined when the viewer owns the app (they pay its integrations themselves); in a shared pool, the pool pays. */
    appOwnerName: owner?.model === "pool" ? undefined : app.ownerUserId === userId ? undefined : appOwner?.name,
    pool: owner?.model === "pool",
    messageCosts: { discuss: COSTS["message.discuss"].unit, implement: COSTS["message.implement"].unit },
    integrations: INTEGRATION_ACTIONS.map((a) => ({ action: a, label: COSTS[a].label, unit: COSTS[a].unit })),
  };
}
