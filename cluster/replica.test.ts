import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { auditLog, users, workspaces } from "@/db/schema";
import { debitCredits } from "@/lib/credits/debit";
import { seedDemoIfEmpty } from "@/lib/demo-data";
import { eq } from "drizzle-orm";
import { freshDatabase, signInOverHttp, startServer, type AppServer } from "@/tests/support/server";

// Reads past one machine: the app with a streaming replica (`npm run cluster -- up`). Dashboards
// (audit log, usage, activity, CSV) read the replica; the viewer's own change, balances and
// charges read the primary; a lagging replica is said ("as of"); a stopped one is not needed.

const REPLICA_PORT = Number(process.env.CLUSTER_REPLICA_PORT ?? 5433);
const CLUSTER_DIR = process.env.CLUSTER_DIR ?? "/var/tmp/credits-cluster";
let db: Awaited<ReturnType<typeof freshDatabase>>;
let server: AppServer;
let replica: postgres.Sql;
let owner: string;
let acme: string;

const replicaUrl = (url: string) => {
  const u = new URL(url);
  u.port = String(REPLICA_PORT);
  return u.toString();
};
const pgCtl = (action: "start" | "stop") => {
  const bin = path.join("/usr/lib/postgresql", readdirSync("/usr/lib/postgresql").sort().at(-1)!, "bin", "pg_ctl");
  execFileSync("runuser", ["-u", "postgres", "--", bin, "-D", path.join(CLUSTER_DIR, "replica"), "-l", path.join(CLUSTER_DIR, "replica.log"), "-w", "-m", "fast", action], { stdio: "ignore" });
};
const page = async (path: string, extraCookie = "") => {
  const res = await fetch(`${server.base}${path}`, { headers: { cookie: [owner, extraCookie].filter(Boolean).join("; ") }, redirect: "manual" });
  expect(res.status).toBe(200);
  return res.text();
};
/** An audit entry written straight to the primary, named so a page shows whether it has it. */
async function auditEntry(name: string) {
  await db.handle.db.insert(auditLog).values({ workspaceId: acme, actorUserId: null, action: "app.created", targetType: "app", details: { name } });
}
const replayed = async (name: string) => (await replica`select count(*)::int as n from audit_log where details->>'name' = ${name}`)[0]!.n === 1;

beforeAll(async () => {
  db = await freshDatabase();
  await seedDemoIfEmpty(db.handle.db, new Date());
  [{ id: acme }] = (await db.handle.db.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.name, "Acme"))) as [{ id: string }];
  replica = postgres(replicaUrl(db.url), { max: 1, onnotice: () => {} });
  // The new database, with the demo, reaches the replica by streaming (no wait-for-condition helper outside a test: a bounded loop).
  for (let i = 0; (await replica`select count(*)::int as n from workspaces`.catch(() => [{ n: 0 }]))[0]!.n === 0; i++) {
    if (i > 300) {
      const log = path.join(CLUSTER_DIR, "replica.log");
      const senders = await db.handle.execSimple("select state, replay_lag::text from pg_stat_replication").catch((e: Error) => e.message);
      throw new Error(`the new database did not reach the replica within 30 s; walsenders: ${JSON.stringify(senders)}; replica log:\n${existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-15).join("\n") : "(none)"}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server = await startServer(db.url, 3741, { DATABASE_REPLICA_URL: replicaUrl(db.url), REPLICA_MAX_LAG_MS: "1000" });
  owner = await signInOverHttp(server.base, "ada@example.com", "credits-demo");
});
afterAll(async () => {
  if (replica) await replica`select pg_wal_replay_resume()`.catch(() => undefined);
  await replica?.end({ timeout: 5 });
  await server?.stop();
  await db?.drop();
});

describe("a read replica", () => {
  it("dashboards read the replica: paused, it lacks the newest entry and, once behind past the bound, says as of when", async () => {
    await auditEntry("Before the pause");
    await expect.poll(() => replayed("Before the pause"), { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => (await page("/settings/audit-log")).includes("Created the app Before the pause"), { timeout: 10_000 }).toBe(true);

    await replica`select pg_wal_replay_pause()`;
    try {
      await auditEntry("During the pause");
      // The replica's data stops at its last replayed commit: once that is older than 1 s, the page says so.
      await expect
        .poll(async () => {
          const html = await page("/settings/audit-log");
          return { routed: !html.includes("During the pause"), asOf: html.includes('data-testid="as-of"') };
        }, { timeout: 15_000 })
        .toEqual({ routed: true, asOf: true });
      const html = await page("/settings/audit-log");
      expect({ asOf: /This log is(<!-- -->)? as of/.test(html), older: html.includes("Created the app Before the pause") }).toEqual({ asOf: true, older: true });

      // The viewer's own change: their next read goes to the primary (read-your-writes).
      const [{ lsn }] = (await db.handle.db.execute(`select pg_current_wal_lsn()::text as lsn`)) as unknown as [{ lsn: string }];
      const own = await page("/settings/audit-log", `credits-wrote-at=${lsn}`);
      expect({ current: own.includes("Created the app During the pause"), asOf: own.includes('data-testid="as-of"') }).toEqual({ current: true, asOf: false });

      // Balances never come from the replica: a charge made now shows at once in the balance.
      const balance = async () => {
        const res = await fetch(`${server.base}/api/v1/balance`, { headers: { cookie: owner } });
        expect(res.status).toBe(200);
        return ((await res.json()) as { message: { used: number } }).message.used;
      };
      const before = await balance();
      const [ada] = await db.handle.db.select({ id: users.id }).from(users).where(eq(users.email, "ada@example.com"));
      const charged = await debitCredits(db.handle.db, { key: randomUUID(), action: "message.implement", workspaceId: acme, actorUserId: ada!.id }, new Date());
      expect(charged.outcome).toBe("charged");
      expect(await balance()).toBe(before + 1);
      // …while the Workspace page's usage and activity, from the replica, say how old they are.
      const ws = await page("/settings/workspace");
      expect(/Usage and activity below are(<!-- -->)? as of/.test(ws)).toBe(true);
    } finally {
      await replica`select pg_wal_replay_resume()`;
    }
    await expect.poll(() => replayed("During the pause"), { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => {
      const html = await page("/settings/audit-log");
      return html.includes("During the pause") && !html.includes('data-testid="as-of"');
    }, { timeout: 10_000 }).toBe(true);
  });

  it("the replica stopped: pages read the primary and stay current", async () => {
    await replica.end({ timeout: 5 });
    pgCtl("stop");
    try {
      await auditEntry("While the replica is down");
      await expect.poll(async () => (await page("/settings/audit-log")).includes("Created the app While the replica is down"), { timeout: 15_000 }).toBe(true);
      expect((await page("/settings/audit-log")).includes('data-testid="as-of"')).toBe(false);
    } finally {
      pgCtl("start");
      replica = postgres(replicaUrl(db.url), { max: 1, onnotice: () => {} });
    }
    await expect.poll(() => replayed("While the replica is down"), { timeout: 30_000 }).toBe(true);
  });
});
