import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { appUsage, apps } from "@/db/schema";
import { forbidden, invalid, notFound } from "@/lib/errors";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";
import { lockApp, lockAppUsage } from "./locks";
import { formatCredits } from "./amounts";
import type { Account } from "./accounts";
import { notify } from "./notices";

/**
 * Per-app integration caps: at most X integration credits per cycle of the app's payer, so a
 * runaway app cannot drain its owner. The cap's running total lives beside the charge, in the
 * same transaction, under the same kind of row lock.
 */

type AppCycle = { appId: string; payerAccountId: string; cycleStart: Date };
const rowOf = (k: AppCycle) => and(eq(appUsage.appId, k.appId), eq(appUsage.payerAccountId, k.payerAccountId), eq(appUsage.cycleStart, k.cycleStart));

/**
 * Locks the app's row of the payer's cycle (what the ledger trigger adds every charge to, capped
 * or not, so a cap set mid-cycle counts from the cycle's start) and says whether `amount` more,
 * on top of what is charged and held, still fits under `cap`.
 */
export async function lockAppCap(tx: Db, args: AppCycle & { cap: number; amount: number }): Promise<{ fits: boolean; used: number }> {
  const row = await lockAppUsage(tx, { appId: args.appId, payerAccountId: args.payerAccountId, cycleStart: args.cycleStart });
  const used = (row?.charged ?? 0) + (row?.reserved ?? 0);
  return { fits: used + args.amount <= args.cap, used };
}

/** Raised inside a charge when the app's payer is no longer the one it was about to charge: run again with the payer read afresh. */
export class PayerChanged extends Error {}

/**
 * The app's rules as they stand now, read inside the charge's transaction (never from a key's
 * cached lookup): its cap, and whether `payerAccountId` still pays for it (else PayerChanged).
 * The app's row is held FOR SHARE until the charge ends: a cap being set or removed waits for
 * the charges in flight, and every charge that starts after it commits sees it.
 */
export async function appRulesNow(tx: Db, appId: string, payerAccountId: string): Promise<{ cap: number | null }> {
  const row = await lockApp(tx, appId);
  if (!row) throw notFound("App");
  if (row.payerAccountId !== payerAccountId) throw new PayerChanged();
  return { cap: row.cap };
}

/**
 * Moves an app's held credits: a reservation adds `amount` (+), its confirmation or release
 * takes it back (−; the confirmation's ledger row then counts it as charged).
 */
export async function holdAppUsage(tx: Db, args: AppCycle & { amount: number }): Promise<void> {
  await tx
    .insert(appUsage)
    .values({ appId: args.appId, payerAccountId: args.payerAccountId, cycleStart: args.cycleStart, reserved: Math.max(args.amount, 0) })
    .onConflictDoUpdate({ target: [appUsage.appId, appUsage.payerAccountId, appUsage.cycleStart], set: { reserved: sql`${appUsage.reserved} + ${args.amount}` } });
}

/** What the app used of its cap this cycle of its payer: charged plus held. */
export async function appCapUsed(db: Db, args: AppCycle): Promise<number> {
  const [row] = await db.select({ charged: appUsage.charged, reserved: appUsage.reserved }).from(appUsage).where(rowOf(args));
  return (row?.charged ?? 0) + (row?.reserved ?? 0);
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

/** The app's owner hears once a cycle that the cap stopped the app (in the workspace the app belongs to). */
export async function capReachedNotice(tx: Db, payer: Account, workspaceId: string, appId: string, cap: number, cycleStart: Date, now: Date) {
  if (!payer.holderUserId) return;
  const [app] = await tx.select({ name: apps.name }).from(apps).where(eq(apps.id, appId));
  return notify(
    tx,
    {
      userId: payer.holderUserId,
      workspaceId,
      accountId: payer.id,
      kind: "integration",
      cycleStart,
      body: `${app?.name ?? "An app"} reached its cap of ${formatCredits(cap)} integration credits this cycle; its integrations are paused until the cycle resets or you raise the cap.`,
      dedupeKey: `cap:${appId}:${cycleStart.toISOString()}`,
      href: "/",
    },
    now,
  );
}
