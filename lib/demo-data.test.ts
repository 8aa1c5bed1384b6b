import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRollupMismatches, findUsageMismatches } from "@/lib/credits/check";
import { listAppsWithUsage } from "@/lib/apps/apps";
import { verifyCredentials } from "@/lib/auth/users";
import type { DbHandle } from "@/db/client";
import { accountUsage, apps, appUsage, creditAccounts, creditLedger, memberships, memberUsage, plans, usageRollupWorkspace, users, workspaces } from "@/db/schema";
import { seedCatalog } from "./credits/catalog";
import { findPool } from "@/lib/credits/model-switch";
import { DEMO_PASSWORD, seedDemoIfEmpty } from "./demo-data";
import { createTestDb } from "@/tests/support/test-db";

let h: DbHandle & { cleanup(): Promise<void> };
const now = new Date("2026-11-25T15:30:00Z");

beforeAll(async () => {
  h = await createTestDb();
  expect(await seedDemoIfEmpty(h.db, now)).toBe(true);
});
afterAll(async () => h?.cleanup());

describe("plan catalog", () => {
  it("holds the five plans with their allowances in millicredits", async () => {
    const rows = await h.db.select().from(plans).orderBy(plans.rank);
    expect(rows.map((p) => [p.id, p.cadence, p.messageAllowance, p.integrationAllowance])).toEqual([
      ["free", "daily", 5_000, 25_000],
      ["starter", "monthly", 100_000, 2_000_000],
      ["builder", "monthly", 250_000, 10_000_000],
      ["pro", "monthly", 500_000, 20_000_000],
      ["elite", "monthly", 1_200_000, 50_000_000],
    ]);
  });

  it("is safe to load again", async () => {
    await seedCatalog(h.db);
    const [n] = await h.db.select({ n: count() }).from(plans);
    expect(n!.n).toBe(5);
  });
});

describe("demo data", () => {
  it("is loaded once: a second call does nothing", async () => {
    expect(await seedDemoIfEmpty(h.db, now)).toBe(false);
    const [n] = await h.db.select({ n: count() }).from(users);
    expect(n!.n).toBe(5);
  });

  it("has Acme with its members, roles and seats", async () => {
    const [acme] = await h.db.select().from(workspaces).where(eq(workspaces.name, "Acme"));
    expect(acme).toBeDefined();
    const rows = await h.db
      .select({ email: users.email, role: memberships.role, seat: creditAccounts.planId })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .leftJoin(
        creditAccounts,
        and(eq(creditAccounts.holderUserId, users.id), eq(creditAccounts.workspaceId, acme!.id), eq(creditAccounts.type, "seat")),
      )
      .where(eq(memberships.workspaceId, acme!.id))
      .orderBy(users.email);
    expect(rows).toEqual([
      { email: "ada@example.com", role: "owner", seat: "builder" },
      { email: "grace@example.com", role: "admin", seat: "builder" },
      { email: "ken@example.com", role: "member", seat: null },
      { email: "linus@example.com", role: "member", seat: "starter" },
    ]);
    const appRows = await h.db
      .select({ name: apps.name, owner: users.email })
      .from(apps)
      .innerJoin(users, eq(users.id, apps.ownerUserId))
      .where(eq(apps.workspaceId, acme!.id))
      .orderBy(apps.name);
    expect(appRows).toEqual([
      { name: "Helpdesk", owner: "linus@example.com" },
      { name: "Storefront", owner: "ada@example.com" },
    ]);
  });

  it("has Northwind on a shared Pro pool: three members, a default limit and an override, within their limits every cycle", async () => {
    const [nw] = await h.db.select().from(workspaces).where(eq(workspaces.name, "Northwind"));
    expect(nw).toMatchObject({ creditModel: "pool", memberMessageLimit: 60_000 });
    const pool = await findPool(h.db, nw!.id);
    expect(pool).toMatchObject({ planId: "pro", type: "pool" });
    const rows = await h.db.select().from(memberUsage).where(eq(memberUsage.workspaceId, nw!.id));
    expect(new Set(rows.map((r) => r.userId)).size).toBe(3);
    const people = new Map((await h.db.select().from(users)).map((u) => [u.id, u.email]));
    for (const r of rows) {
      const limit = people.get(r.userId) === "margaret@example.com" ? 150_000 : people.get(r.userId) === "ken@example.com" ? 60_000 : Infinity;
      expect(r.messageUsed).toBeLessThanOrEqual(limit);
    }
    const charged = await h.db.select({ n: count() }).from(creditLedger).where(and(eq(creditLedger.workspaceId, nw!.id), eq(creditLedger.payerAccountId, pool!.id)));
    expect(charged[0]!.n).toBeGreaterThan(200);
    expect(await findUsageMismatches(h.db)).toEqual([]);
  });

  it("signs in with the demo password", async () => {
    expect(await verifyCredentials(h.db, "ken@example.com", DEMO_PASSWORD)).not.toBeNull();
  });

  it("has 60 days of history, none of it in the future", async () => {
    const [span] = await h.db
      .select({ first: sql<string>`min(${creditLedger.createdAt})`, last: sql<string>`max(${creditLedger.createdAt})`, n: count() })
      .from(creditLedger);
    const days = (now.getTime() - new Date(span!.first).getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(59);
    expect(days).toBeLessThanOrEqual(61);
    expect(new Date(span!.last).getTime()).toBeLessThan(now.getTime());
    expect(span!.n).toBeGreaterThan(1000);
  });

  it("keeps every usage row equal to the ledger's totals for its account and cycle", async () => {
    expect(await findUsageMismatches(h.db)).toEqual([]);
    const [usageRows] = await h.db.select({ n: count() }).from(accountUsage);
    expect(usageRows!.n).toBeGreaterThan(60);
  });

  it("the consistency check finds a usage row that disagrees with the ledger", async () => {
    const [row] = await h.db.select().from(accountUsage).limit(1);
    const where = and(eq(accountUsage.accountId, row!.accountId), eq(accountUsage.cycleStart, row!.cycleStart));
    await h.db.update(accountUsage).set({ integrationUsed: row!.integrationUsed + 1 }).where(where);
    expect(await findUsageMismatches(h.db)).toEqual([
      {
        accountId: row!.accountId,
        cycleStart: row!.cycleStart.toISOString(),
        field: "integration_used",
        stored: row!.integrationUsed + 1,
        fromLedger: row!.integrationUsed,
      },
    ]);
    await h.db.update(accountUsage).set({ integrationUsed: row!.integrationUsed }).where(where);
    expect(await findUsageMismatches(h.db)).toEqual([]);
  });
});

describe("per-app usage", () => {
  it("each app's integration credits this cycle, read from app_usage, equal the ledger's sum", async () => {
    const [acme] = await h.db.select().from(workspaces).where(eq(workspaces.name, "Acme"));
    const listed = await listAppsWithUsage(h.db, acme!.id, now);
    expect(listed.length).toBeGreaterThanOrEqual(2);
    for (const app of listed) {
      const [fromLedger] = await h.db
        .select({ n: sql<string>`coalesce(sum(${creditLedger.amount}), 0)` })
        .from(creditLedger)
        .innerJoin(creditAccounts, eq(creditAccounts.id, creditLedger.payerAccountId))
        .where(
          and(
            eq(creditLedger.appId, app.id),
            eq(creditLedger.outcome, "charged"),
            eq(creditLedger.kind, "integration"),
            eq(creditAccounts.holderUserId, app.ownerUserId),
            sql`${creditLedger.cycleStart} = (select max(cycle_start) from credit_ledger l where l.payer_account_id = ${creditLedger.payerAccountId})`,
          ),
        );
      expect({ app: app.name, used: app.integrationUsed }).toEqual({ app: app.name, used: Number(fromLedger!.n) });
    }
    expect(listed.some((a) => a.integrationUsed > 0)).toBe(true);
  });

  it("the check finds per-app usage that disagrees with the ledger", async () => {
    const [row] = await h.db.select().from(appUsage).limit(1);
    const where = and(eq(appUsage.appId, row!.appId), eq(appUsage.payerAccountId, row!.payerAccountId), eq(appUsage.cycleStart, row!.cycleStart));
    await h.db.update(appUsage).set({ charged: row!.charged + 1 }).where(where);
    expect(await findRollupMismatches(h.db)).toEqual([
      { accountId: row!.appId, cycleStart: row!.cycleStart.toISOString(), field: "app_usage", stored: row!.charged + 1, fromLedger: row!.charged },
    ]);
    await h.db.update(appUsage).set({ charged: row!.charged }).where(where);
    expect(await findRollupMismatches(h.db)).toEqual([]);
  });
});

describe("whole-workspace rollup", () => {
  it("the check finds an hour of the whole-workspace rollup that disagrees with the ledger", async () => {
    const [row] = await h.db.select().from(usageRollupWorkspace).where(sql`${usageRollupWorkspace.charged} > 0`).limit(1);
    const where = and(
      eq(usageRollupWorkspace.workspaceId, row!.workspaceId),
      eq(usageRollupWorkspace.hour, row!.hour),
      eq(usageRollupWorkspace.action, row!.action),
      eq(usageRollupWorkspace.kind, row!.kind),
    );
    await h.db.update(usageRollupWorkspace).set({ charged: row!.charged - 1 }).where(where);
    expect(await findRollupMismatches(h.db)).toEqual([
      { accountId: row!.workspaceId, cycleStart: row!.hour.toISOString(), field: "usage_rollup_workspace", stored: row!.charged - 1, fromLedger: row!.charged },
    ]);
    await h.db.update(usageRollupWorkspace).set({ charged: row!.charged }).where(where);
    expect(await findRollupMismatches(h.db)).toEqual([]);
  });
});
