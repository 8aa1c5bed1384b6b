// @pooler: a restart seen through the pooler, LISTEN reconnecting on the direct connection (CI runs this file again through PgBouncer)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditLedger } from "@/db/schema";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createAppKey } from "@/lib/apps/keys";
import { findUsageMismatches } from "@/lib/credits/check";
import { freshDatabase, postUsage, startServer, type AppServer } from "@/tests/support/server";
import { poolerOptions } from "@/tests/support/local-db";

// A PostgreSQL cluster of this test's own (port 5499), so stopping it mid-load disturbs
// nothing else on the machine. PostgreSQL refuses to run as root: its tools run as `postgres`.
const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const PORT = 5499;
let dir: string;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let server: AppServer;

function pg(tool: string, ...args: string[]) {
  const asPostgres = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  const cmd = [...asPostgres, path.join(BIN, tool), ...args];
  return execFileSync(cmd[0]!, cmd.slice(1), { stdio: "pipe", timeout: 60_000 }).toString();
}
const pgCtl = (action: string, ...extra: string[]) =>
  pg("pg_ctl", action, "-D", path.join(dir, "data"), "-w", "-l", path.join(dir, "log"), ...extra);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "credits-fault-"));
  execFileSync("chmod", ["777", dir]);
  pg("initdb", "-D", path.join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync");
  pgCtl("start", "-o", `-p ${PORT} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`);
  db = await freshDatabase(`postgres://postgres@127.0.0.1:${PORT}/postgres`);
  server = await startServer(db.url, 3711);
});
afterAll(async () => {
  await server?.stop();
  await db?.handle.close().catch(() => {});
  try {
    pgCtl("stop", "-m", "immediate");
  } catch {
    // already stopped
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("PostgreSQL restarted in the middle of a load run", () => {
  it("answers 503 JSON during the outage, recovers without an app restart, and loses nothing", async () => {
    const now = new Date();
    const owner = await makeUser(db.handle.db, "Owner", new Date(now.getTime() - 40 * 86_400_000));
    const ws = await makeWorkspace(db.handle.db, owner, { billingAnchor: new Date(now.getTime() - 86_400_000) });
    await makeSeat(db.handle.db, ws, "elite", owner.id);
    const app = await makeApp(db.handle.db, ws, owner);
    const { key } = await createAppKey(db.handle.db, app.id, owner.id, now);
    await db.handle.close(); // the test's own pool would only get in the way of the outage

    const results: { status: number; ms: number; at: number; body: Record<string, unknown> }[] = [];
    let n = 0;
    let stop = false;
    const t0 = Date.now();
    const worker = async () => {
      while (!stop) {
        const started = Date.now();
        const r = await postUsage(server.base, key, `f-${n++}`, { action: "integration.llm" }, AbortSignal.timeout(15_000));
        results.push({ status: r.status, ms: Date.now() - started, at: started - t0, body: r.body });
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));

    await new Promise((r) => setTimeout(r, 1500));
    pgCtl("stop", "-m", "fast");
    const downAt = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 3000));
    pgCtl("start", "-o", `-p ${PORT} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`);
    const upAt = Date.now() - t0;
    // Keep the load on until requests succeed again (the app was not restarted).
    const deadline = Date.now() + 30_000;
    while (!results.some((r) => r.at > upAt && r.status === 201) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await load;

    const statuses = new Set(results.map((r) => r.status));
    expect([...statuses].sort(), JSON.stringify(results.filter((r) => r.status !== 201 && r.status !== 503).slice(0, 3))).toEqual([201, 503]);
    const during = results.filter((r) => r.status === 503);
    expect(during.length).toBeGreaterThan(0);
    for (const r of during) expect(r.body).toMatchObject({ error: { code: "service_unavailable" } });
    // No hang: even during the outage every answer came back quickly.
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(10_000);
    expect(results.some((r) => r.at < downAt && r.status === 201)).toBe(true);
    expect(results.some((r) => r.at > upAt && r.status === 201)).toBe(true);
    expect(server.process.exitCode).toBeNull();

    // Nothing lost: every 201 is in the ledger, and usage rows equal the ledger exactly.
    const check = await freshHandle();
    const ids = results.filter((r) => r.status === 201).map((r) => (r.body.event as { id: number }).id);
    const found = await check.db.select({ id: creditLedger.id }).from(creditLedger).where(inArray(creditLedger.id, ids));
    expect(found).toHaveLength(ids.length);
    expect(await findUsageMismatches(check.db)).toEqual([]);
    await check.close();
  });
});

async function freshHandle() {
  const { openPostgres } = await import("@/db/client");
  return openPostgres(db.url, 2, poolerOptions(db.url));
}
