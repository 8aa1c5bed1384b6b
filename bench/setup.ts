import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, apps, creditAccounts, memberships, plans, users, workspaces } from "@/db/schema";
import { createAppKey } from "@/lib/apps/keys";
import { cycleAt } from "@/lib/credits/cycle";

/** A plan only benchmarks use: an allowance no run can exhaust, so every request is a real charge. */
export async function benchPlan(db: Db) {
  await db
    .insert(plans)
    .values({ id: "bench", name: "Benchmark", cadence: "monthly", messageAllowance: 1e12, integrationAllowance: 1e12, priceCents: 0, rank: 99, active: false })
    .onConflictDoNothing();
}

/** `count` app owners, each in a workspace of their own with a bench seat, an app and a key. */
export async function makeOwners(db: Db, count: number, now: Date) {
  const anchor = new Date(now.getTime() - 86_400_000);
  const out: { key: string; appId: string; accountId: string; workspaceId: string; cycleStart: Date }[] = [];
  for (let i = 0; i < count; i++) {
    const [user] = await db.insert(users).values({ email: `bench-${randomUUID()}@example.com`, name: `Bench ${i}`, passwordHash: "x", createdAt: anchor }).returning();
    const [ws] = await db.insert(workspaces).values({ name: `Bench ${i}`, ownerId: user!.id, billingAnchor: anchor }).returning();
    await db.insert(memberships).values({ workspaceId: ws!.id, userId: user!.id, role: "owner" });
    const [seat] = await db.insert(creditAccounts).values({ type: "seat", workspaceId: ws!.id, planId: "bench", holderUserId: user!.id, anchorAt: anchor }).returning();
    const [app] = await db.insert(apps).values({ workspaceId: ws!.id, ownerUserId: user!.id, name: `Bench app ${i}` }).returning();
    const { key } = await createAppKey(db, app!.id, user!.id, now);
    const cycle = cycleAt(anchor, "monthly", now);
    await db
      .insert(accountUsage)
      .values({ accountId: seat!.id, cycleStart: cycle.start, cycleEnd: cycle.end, planId: "bench", messageAllowance: 1e12, integrationAllowance: 1e12 })
      .onConflictDoNothing();
    out.push({ key, appId: app!.id, accountId: seat!.id, workspaceId: ws!.id, cycleStart: cycle.start });
  }
  return out;
}

export async function chargedCount(db: Db, source: string) {
  const r = await db.execute(sql`select count(*)::int as n from credit_ledger where outcome = 'charged' and source = ${source}`);
  return Number((r as unknown as { n: number }[])[0]!.n);
}
