import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { appCycleUsage, apps } from "@/db/schema";
import { forbidden, invalid, notFound } from "@/lib/errors";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";
import { formatCredits } from "./amounts";

/**
 * Per-app integration caps: at most X integration credits per cycle of the app's payer, so a
 * runaway app cannot drain its owner. The cap's running total lives beside the charge, in the
 * same transaction, under the same kind of row lock.
 */

/** Locks the app's total for the cycle and says whether `amount` more still fits under `cap`. */
export async function lockAppCap(tx: Db, args: { appId: string; cycleStart: Date; cap: number; amount: number }): Promise<{ fits: boolean; used: number }> {
  await tx.insert(appCycleUsage).values({ appId: args.appId, cycleStart: args.cycleStart }).onConflictDoNothing();
  const [row] = await tx
    .select({ used: appCycleUsage.used })
    .from(appCycleUsage)
    .where(and(eq(appCycleUsage.appId, args.appId), eq(appCycleUsage.cycleStart, args.cycleStart)))
    .for("update");
  const used = row?.used ?? 0;
  return { fits: used + args.amount <= args.cap, used };
}

export async function addAppCapUsage(tx: Db, args: { appId: string; cycleStart: Date; amount: number }): Promise<void> {
  await tx
    .update(appCycleUsage)
    .set({ used: sql`${appCycleUsage.used} + ${args.amount}` })
    .where(and(eq(appCycleUsage.appId, args.appId), eq(appCycleUsage.cycleStart, args.cycleStart)));
}

export async function appCapUsed(db: Db, appId: string, cycleStart: Date): Promise<number> {
  const [row] = await db.select({ used: appCycleUsage.used }).from(appCycleUsage).where(and(eq(appCycleUsage.appId, appId), eq(appCycleUsage.cycleStart, cycleStart)));
  return row?.used ?? 0;
}

/** Sets or removes an app's cap. The app's owner, or the workspace's owner or an admin. */
export async function setAppCap(db: Db, args: { appId: string; cap: number | null; byUserId: string }, now: Date) {
  const [app] = await db.select().from(apps).where(eq(apps.id, args.appId));
  if (!app) throw notFound("App");
  const role = await requireRole(db, { workspaceId: app.workspaceId, userId: args.byUserId }, ["owner", "admin", "member"], "change app caps");
  if (role === "member" && app.ownerUserId !== args.byUserId) throw forbidden("Only the app's owner, or the workspace owner or an admin, can cap its integrations.");
  if (args.cap !== null && (!Number.isSafeInteger(args.cap) || args.cap < 1000)) throw invalid("Set a cap of at least 1 integration credit, or remove it.");
  return db.transaction(async (tx) => {
    const [updated] = await tx.update(apps).set({ integrationCap: args.cap }).where(eq(apps.id, app.id)).returning();
    await writeAudit(tx, {
      workspaceId: app.workspaceId,
      actorUserId: args.byUserId,
      action: "app.cap_changed",
      targetType: "app",
      targetId: app.id,
      details: { app: app.name, from: app.integrationCap === null ? "none" : formatCredits(app.integrationCap), to: args.cap === null ? "none" : formatCredits(args.cap) },
      now,
    });
    return updated!;
  });
}
