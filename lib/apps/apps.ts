import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, appUsage, users } from "@/db/schema";
import { cycleOf, getActingAccount } from "@/lib/credits/accounts";
import { appCapUsed } from "@/lib/credits/app-caps";
import { writeAudit } from "@/lib/workspaces/audit";
import { invalid } from "@/lib/errors";
import { requireRole } from "@/lib/workspaces/roles";

/** Any member may create an app; they own it (and pay for its integrations). */
export async function createApp(db: Db, args: { workspaceId: string; userId: string; name: string }, now: Date) {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.userId }, ["owner", "admin", "member"], "create apps");
  const name = args.name.trim();
  if (!name || name.length > 60) throw invalid("Give the app a name of 1 to 60 characters.");
  const [app] = await db
    .insert(apps)
    .values({ workspaceId: args.workspaceId, ownerUserId: args.userId, name, design: { title: name, tagline: "", accent: "#4f46e5" }, createdAt: now })
    .returning();
  await writeAudit(db, { workspaceId: args.workspaceId, actorUserId: args.userId, action: "app.created", targetType: "app", targetId: app!.id, details: { name }, now });
  return app!;
}

/**
 * The workspace's apps with the integration credits each used in its owner's current cycle.
 * One indexed sum per app over (payer, cycle): a view, not the hot path.
 */
export async function listAppsWithUsage(db: Db, workspaceId: string, now: Date) {
  const rows = await db
    .select({ id: apps.id, name: apps.name, ownerUserId: apps.ownerUserId, ownerName: users.name, integrationCap: apps.integrationCap })
    .from(apps)
    .innerJoin(users, eq(users.id, apps.ownerUserId))
    .where(eq(apps.workspaceId, workspaceId))
    .orderBy(asc(apps.name));
  return Promise.all(
    rows.map(async (app) => {
      const payer = await getActingAccount(db, { workspaceId: workspaceId, userId: app.ownerUserId });
      const cycle = cycleOf(payer, now);
      const [sum] = await db
        .select({ used: appUsage.charged })
        .from(appUsage)
        .where(and(eq(appUsage.appId, app.id), eq(appUsage.payerAccountId, payer.id), eq(appUsage.cycleStart, cycle.start)));
      // The cap counts what the app charged this cycle (held reservations too), whenever it was set.
      const capUsed = app.integrationCap === null ? 0 : await appCapUsed(db, { appId: app.id, payerAccountId: payer.id, cycleStart: cycle.start });
      return { ...app, integrationUsed: Number(sum?.used ?? 0), cycleEnd: cycle.end, capUsed };
    }),
  );
}
