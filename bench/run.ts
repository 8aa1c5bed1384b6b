/**
 * `npm run bench`: every benchmark, end to end, against PostgreSQL at 127.0.0.1:5432 and the
 * production build (built first when missing). Prints a table and writes
 * bench/results/<name>.json. Figures are measured, never assumed.
 */
import { execFileSync, execSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { sql } from "drizzle-orm";
import { findUsageMismatches } from "@/lib/credits/check";
import { freshDatabase, ROOT, signInOverHttp, startServer, type AppServer } from "@/tests/support/server";
import { openPostgres, rowsOf } from "@/db/client";
import { seedDemoIfEmpty } from "@/lib/demo-data";
import { migrationsUpTo } from "@/tests/support/test-db";
import { benchPlan, chargedCount, makeOwners } from "./setup";
import { balanceReads } from "./reads";
import { pageWeight } from "./page-weight";
import { poolerBench } from "./pooler";

const DURATION = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = 64;
const results: Record<string, unknown> = {};

function save(name: string, data: Record<string, unknown>) {
  const full = { name, machine: machine(), at: new Date().toISOString(), ...data };
  writeFileSync(path.join(ROOT, "bench", "results", `${name}.json`), JSON.stringify(full, null, 2) + "\n");
  results[name] = full;
  console.log(`\n${name}:`, JSON.stringify(data, null, 2));
}

function machine() {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${execSync("psql -h 127.0.0.1 -U postgres -tAc 'show server_version'").toString().trim()}`;
}

/** autocannon against the usage API; each request a new idempotency key, keys spread over `keys`. */
async function loadApi(base: string, keys: string[], connections: number, seconds: number, tag: string) {
  let n = 0;
  const result = await autocannon({
    url: `${base}/api/v1/usage`,
    connections,
    duration: seconds,
    method: "POST",
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const i = n++;
          return {
            ...req,
            headers: { authorization: `Bearer ${keys[i % keys.length]}`, "idempotency-key": `${tag}-${i}-${Math.random()}`, "content-type": "application/json" },
            body: '{"action":"integration.llm"}',
          };
        },
      },
    ],
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    responses2xx: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** autocannon against a route that does nothing: the ceiling of one request through Next.js here. */
async function loadNoop(base: string, connections: number, seconds: number) {
  const result = await autocannon({ url: `${base}/api/health`, connections, duration: seconds });
  return { requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

/** autocannon against the batch endpoint: `perRequest` events a request, each request one owner's key. */
async function loadBatch(base: string, keys: string[], connections: number, seconds: number, perRequest: number) {
  let n = 0;
  const result = await autocannon({
    url: `${base}/api/v1/usage/batch`,
    connections,
    duration: seconds,
    method: "POST",
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const i = n++;
          const events = Array.from({ length: perRequest }, (_, j) => ({ idempotencyKey: `batch-${i}-${j}-${Math.random()}`, action: "integration.llm" }));
          return { ...req, headers: { authorization: `Bearer ${keys[i % keys.length]}`, "content-type": "application/json" }, body: JSON.stringify({ events }) };
        },
      },
    ],
  });
  const rps = result.requests.average;
  return { requestsPerSecond: Math.round(rps), eventsPerSecond: Math.round(rps * perRequest), eventsPerRequest: perRequest, p50Ms: result.latency.p50, p99Ms: result.latency.p99, responses2xx: result["2xx"], non2xx: result.non2xx };
}

/**
 * pgbench running the best per-transaction SQL for one debit: the conditional update and the
 * ledger insert in one statement (a CTE), prepared, at `clients` connections.
 */
function pgbenchOneStatement(dbUrl: string, owners: Awaited<ReturnType<typeof makeOwners>>, seconds: number, clients: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "credits-pgbench1-"));
  const scripts = owners.slice(0, 100).map((o, i) => {
    const file = path.join(dir, `debit-${i}.sql`);
    writeFileSync(
      file,
      `WITH upd AS (UPDATE account_usage SET integration_used = integration_used + 1000, updated_at = now()
 WHERE account_id = '${o.accountId}' AND cycle_start = '${o.cycleStart.toISOString()}'
   AND integration_used + integration_reserved + 1000 <= integration_allowance
 RETURNING integration_allowance, integration_used, integration_reserved)
INSERT INTO credit_ledger (idempotency_key, request_hash, payer_account_id, workspace_id, app_id, action, kind, quantity, amount, outcome, cycle_start, source, balance_allowance, balance_used, balance_remaining)
 SELECT 'pgbench:' || gen_random_uuid(), 'x', '${o.accountId}', '${o.workspaceId}', '${o.appId}', 'integration.llm', 'integration', 1, 1000, 'charged', '${o.cycleStart.toISOString()}', 'pgbench',
        integration_allowance, integration_used, integration_allowance - integration_used - integration_reserved FROM upd;
`,
    );
    return file;
  });
  const url = new URL(dbUrl);
  const args = ["-h", url.hostname, "-p", url.port || "5432", "-U", "postgres", "-n", "-M", "prepared", "-c", String(clients), "-j", "2", "-T", String(seconds), "-l", "--log-prefix", path.join(dir, "log")];
  for (const f of scripts) args.push("-f", f);
  args.push(url.pathname.slice(1));
  const out = execFileSync("pgbench", args, { cwd: dir, maxBuffer: 64 * 1024 * 1024 }).toString();
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const latencies = execSync(`cat ${dir}/log* | awk '{print $3}' | sort -n`, { maxBuffer: 512 * 1024 * 1024 }).toString().trim().split("\n").map(Number);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! / 1000;
  return { clients, transactionsPerSecond: Math.round(tps), p50Ms: pct(50), p99Ms: pct(99) };
}

/**
 * pgbench running a batch of `events` debits of one payer as one set-based statement: one
 * conditional update of the usage row and one multi-row ledger insert (the shape the batch
 * endpoint writes), at `clients` connections; with the ledger's rollup trigger on, or off.
 */
async function pgbenchSetBased(db: Awaited<ReturnType<typeof freshDatabase>>, owners: Awaited<ReturnType<typeof makeOwners>>, seconds: number, clients: number, events: number, trigger: "on" | "off") {
  const dir = mkdtempSync(path.join(os.tmpdir(), "credits-pgbench-set-"));
  const scripts = owners.slice(0, 100).map((o, i) => {
    const file = path.join(dir, `batch-${i}.sql`);
    writeFileSync(
      file,
      `WITH upd AS (UPDATE account_usage SET integration_used = integration_used + ${events * 1000}, updated_at = now()
 WHERE account_id = '${o.accountId}' AND cycle_start = '${o.cycleStart.toISOString()}'
   AND integration_used + integration_reserved + ${events * 1000} <= integration_allowance
 RETURNING integration_allowance, integration_used, integration_reserved)
INSERT INTO credit_ledger (idempotency_key, request_hash, payer_account_id, workspace_id, app_id, action, kind, quantity, amount, outcome, cycle_start, source, balance_allowance, balance_used, balance_remaining)
 SELECT 'pgbench:' || gen_random_uuid(), 'x', '${o.accountId}', '${o.workspaceId}', '${o.appId}', 'integration.llm', 'integration', 1, 1000, 'charged', '${o.cycleStart.toISOString()}', 'pgbench',
        integration_allowance, integration_used - (${events} - g) * 1000, integration_allowance - integration_used + (${events} - g) * 1000 - integration_reserved
 FROM upd, generate_series(1, ${events}) g;
`,
    );
    return file;
  });
  if (trigger === "off") await db.handle.db.execute(sql`alter table credit_ledger disable trigger credit_ledger_usage_rollup`);
  try {
    const url = new URL(db.url);
    const args = ["-h", url.hostname, "-p", url.port || "5432", "-U", "postgres", "-n", "-M", "prepared", "-c", String(clients), "-j", "2", "-T", String(seconds)];
    for (const f of scripts) args.push("-f", f);
    args.push(url.pathname.slice(1));
    const out = execFileSync("pgbench", args, { cwd: dir, maxBuffer: 64 * 1024 * 1024 }).toString();
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
    return { clients, eventsPerStatement: events, trigger, statementsPerSecond: Math.round(tps), eventsPerSecond: Math.round(tps * events) };
  } finally {
    if (trigger === "off") await db.handle.db.execute(sql`alter table credit_ledger enable trigger credit_ledger_usage_rollup`);
  }
}

/** pgbench running the same bare SQL as one debit: conditional update + ledger insert, one transaction. */
function pgbench(dbUrl: string, owners: Awaited<ReturnType<typeof makeOwners>>, seconds: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "credits-pgbench-"));
  const scripts = owners.slice(0, Math.min(owners.length, 1000)).map((o, i) => {
    const file = path.join(dir, `debit-${i}.sql`);
    writeFileSync(
      file,
      `BEGIN;
UPDATE account_usage SET integration_used = integration_used + 1000, updated_at = now()
 WHERE account_id = '${o.accountId}' AND cycle_start = '${o.cycleStart.toISOString()}'
   AND integration_used + integration_reserved + 1000 <= integration_allowance;
INSERT INTO credit_ledger (idempotency_key, request_hash, payer_account_id, workspace_id, app_id, action, kind, quantity, amount, outcome, cycle_start, source)
 VALUES ('pgbench:' || gen_random_uuid(), 'x', '${o.accountId}', '${o.workspaceId}', '${o.appId}', 'integration.llm', 'integration', 1, 1000, 'charged', '${o.cycleStart.toISOString()}', 'pgbench');
END;
`,
    );
    return file;
  });
  const url = new URL(dbUrl);
  const args = ["-h", url.hostname, "-p", url.port || "5432", "-U", "postgres", "-n", "-c", String(CONNECTIONS), "-j", "2", "-T", String(seconds), "-l", "--log-prefix", path.join(dir, "log")];
  // With many owners, each transaction picks one of the per-owner scripts at random.
  for (const f of scripts.slice(0, 100)) args.push("-f", f);
  args.push(url.pathname.slice(1));
  const out = execFileSync("pgbench", args, { cwd: dir, maxBuffer: 64 * 1024 * 1024 }).toString();
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const latencies = execSync(`cat ${dir}/log* | awk '{print $3}' | sort -n`, { maxBuffer: 512 * 1024 * 1024 }).toString().trim().split("\n").map(Number);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! / 1000;
  return { transactionsPerSecond: Math.round(tps), p50Ms: pct(50), p99Ms: pct(99), transactions: latencies.length };
}

async function debitBench(name: string, ownerCount: number) {
  const db = await freshDatabase();
  try {
    await benchPlan(db.handle.db);
    const owners = await makeOwners(db.handle.db, ownerCount, new Date());
    const server = await startServer(db.url, 3800);
    try {
      await loadApi(server.base, owners.map((o) => o.key), CONNECTIONS, 3, `${name}-warm`);
      const noop = await loadNoop(server.base, CONNECTIONS, DURATION);
      const api = await loadApi(server.base, owners.map((o) => o.key), CONNECTIONS, DURATION, name);
      const batch = await loadBatch(server.base, owners.map((o) => o.key), 16, DURATION, 100);
      const bare = pgbench(db.url, owners, DURATION);
      const oneStatement64 = pgbenchOneStatement(db.url, owners, DURATION, CONNECTIONS);
      const oneStatement16 = pgbenchOneStatement(db.url, owners, DURATION, 16);
      // Checked before the trigger-off run, which leaves the rollups behind on purpose.
      const mismatches = await findUsageMismatches(db.handle.db);
      const setOn = await pgbenchSetBased(db, owners, DURATION, 16, 100, "on");
      const setOff = await pgbenchSetBased(db, owners, DURATION, 16, 100, "off");
      const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
      const ratios = {
        apiToNoop: ratio(api.requestsPerSecond, noop.requestsPerSecond),
        apiToOneStatementAt64: ratio(api.requestsPerSecond, oneStatement64.transactionsPerSecond),
        apiP99ToOneStatementP99At64: ratio(api.p99Ms, oneStatement64.p99Ms),
        batchEventsToSetBasedTriggersOff: ratio(batch.eventsPerSecond, setOff.eventsPerSecond),
        batchEventsToSetBasedTriggersOn: ratio(batch.eventsPerSecond, setOn.eventsPerSecond),
        setBasedTriggersOnToOff: ratio(setOn.eventsPerSecond, setOff.eventsPerSecond),
      };
      const targets =
        ownerCount === 1
          ? { apiToNoopAtLeast: 0.5, apiP99AtMostOneStatementP99At64: true, batchEventsToSetBasedTriggersOffAtLeast: 0.5 }
          : { apiToNoopAtLeast: 0.6, batchEventsToSetBasedTriggersOffAtLeast: 0.3 };
      const met =
        ownerCount === 1
          ? { apiToNoop: ratios.apiToNoop >= 0.5, apiP99: api.p99Ms <= oneStatement64.p99Ms, batch: ratios.batchEventsToSetBasedTriggersOff >= 0.5 }
          : { apiToNoop: ratios.apiToNoop >= 0.6, batch: ratios.batchEventsToSetBasedTriggersOff >= 0.3 };
      save(name, {
        owners: ownerCount,
        connections: CONNECTIONS,
        seconds: DURATION,
        noop,
        api,
        batch,
        pgbench: bare,
        pgbenchOneStatementPrepared: { at64: oneStatement64, at16: oneStatement16 },
        pgbenchSetBased100At16: { triggersOn: setOn, triggersOff: setOff },
        ratios,
        targets,
        met,
        usageRowsAgreeWithLedger: mismatches.length === 0,
      });
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

async function twoProcesses() {
  const db = await freshDatabase();
  try {
    await benchPlan(db.handle.db);
    const owners = await makeOwners(db.handle.db, 1, new Date());
    const [a, b] = await Promise.all([startServer(db.url, 3800), startServer(db.url, 3801)]);
    try {
      const keys = owners.map((o) => o.key);
      const [ra, rb] = await Promise.all([loadApi(a.base, keys, CONNECTIONS / 2, DURATION, "two-a"), loadApi(b.base, keys, CONNECTIONS / 2, DURATION, "two-b")]);
      const charged = await chargedCount(db.handle.db, "api");
      const mismatches = await findUsageMismatches(db.handle.db);
      save("two-processes", {
        connections: CONNECTIONS,
        seconds: DURATION,
        processA: ra,
        processB: rb,
        requestsPerSecond: ra.requestsPerSecond + rb.requestsPerSecond,
        responses2xx: ra.responses2xx + rb.responses2xx,
        chargedInLedger: charged,
        // Requests still in flight when the load generator stopped were charged but never
        // counted as answered: at most one per connection.
        unansweredAtStop: charged - (ra.responses2xx + rb.responses2xx),
        everyAnsweredChargeIsInTheLedger: charged >= ra.responses2xx + rb.responses2xx && charged - (ra.responses2xx + rb.responses2xx) <= CONNECTIONS,
        usageRowsAgreeWithLedger: mismatches.length === 0,
      });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  } finally {
    await db.drop();
  }
}

/** autocannon against a signed-in page (a dashboard): its latency while other load runs. */
async function loadPage(base: string, pagePath: string, cookie: string, connections: number, seconds: number) {
  // Redirects are not followed: a page that sends the viewer to sign in counts as a failure.
  const result = await autocannon({ url: `${base}${pagePath}`, connections, duration: seconds, headers: { cookie } });
  return { requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, responses2xx: result["2xx"], non2xx: result.non2xx };
}

const clusterUp = () => [5433, 6432].every((port) => {
  try {
    execSync(`pg_isready -h 127.0.0.1 -p ${port} -q`);
    return true;
  } catch {
    return false;
  }
});

/**
 * Past one machine, measured: the batch endpoint at full load (16 connections, 100 events a
 * request, spread over 100 owners) while owners read Workspace (usage chart, breakdown, activity:
 * the dashboard that reads the replica) at 4 connections. Once with one process straight to the
 * primary (dashboards on the primary), once with two processes through PgBouncer, dashboards on
 * the replica (`npm run cluster -- up`). Same database, same load; transactions counted on the
 * replica show where the dashboards' reads went.
 */
async function scaleOut() {
  if (!clusterUp()) {
    console.log("scale-out: the local cluster is not up (npm run cluster -- up): skipped");
    return;
  }
  const db = await freshDatabase();
  const direct = db.url;
  const at = (port: number) => {
    const u = new URL(direct);
    u.port = String(port);
    return u.toString();
  };
  const dbName = new URL(direct).pathname.slice(1);
  const replicaCommits = async () => {
    const replica = await openPostgres(at(5433), 1);
    try {
      const [r] = rowsOf<{ n: string | number }>(await replica.db.execute(sql`select xact_commit as n from pg_stat_database where datname = ${dbName}`));
      return Number(r?.n ?? 0);
    } finally {
      await replica.close();
    }
  };
  try {
    await benchPlan(db.handle.db);
    await seedDemoIfEmpty(db.handle.db, new Date());
    const keys = (await makeOwners(db.handle.db, 100, new Date())).map((o) => o.key);
    const run = async (servers: AppServer[]) => {
      const cookie = await signInOverHttp(servers[0]!.base, "ada@example.com", "credits-demo");
      await Promise.all(servers.map((s) => loadBatch(s.base, keys, 4, 3, 100)));
      const commitsBefore = await replicaCommits();
      const [batches, pages] = await Promise.all([
        Promise.all(servers.map((s) => loadBatch(s.base, keys, 16 / servers.length, DURATION, 100))),
        Promise.all(servers.map((s) => loadPage(s.base, "/settings/workspace", cookie, 4 / servers.length, DURATION))),
      ]);
      const replicaTransactions = (await replicaCommits()) - commitsBefore;
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      return {
        processes: servers.length,
        batchEventsPerSecond: sum(batches.map((b) => b.eventsPerSecond)),
        batchP99Ms: Math.max(...batches.map((b) => b.p99Ms)),
        batchNon2xx: sum(batches.map((b) => b.non2xx)),
        dashboardRequestsPerSecond: sum(pages.map((p) => p.requestsPerSecond)),
        dashboardP50Ms: Math.max(...pages.map((p) => p.p50Ms)),
        dashboardP99Ms: Math.max(...pages.map((p) => p.p99Ms)),
        dashboardNon2xx: sum(pages.map((p) => p.non2xx)),
        replicaTransactions,
      };
    };
    const single = await startServer(direct, 3800, { DATABASE_URL: direct, DATABASE_DIRECT_URL: "" });
    let onePrimary;
    try {
      onePrimary = await run([single]);
    } finally {
      await single.stop();
    }
    // One session cookie serves both processes: they share the secret that signs it.
    const clusterEnv = { DATABASE_URL: at(6432), DATABASE_DIRECT_URL: direct, DATABASE_REPLICA_URL: at(5433), AUTH_SECRET: randomBytes(32).toString("base64url") };
    const pair = await Promise.all([startServer(at(6432), 3800, clusterEnv), startServer(at(6432), 3801, clusterEnv)]);
    let twoPooledReplica;
    try {
      twoPooledReplica = await run(pair);
    } finally {
      await Promise.all(pair.map((s) => s.stop()));
    }
    const mismatches = await findUsageMismatches(db.handle.db);
    const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
    save("scale-out", {
      seconds: DURATION,
      load: "batch: 16 connections, 100 events a request, 100 owners; dashboard: GET /settings/workspace signed in, 4 connections",
      onePrimary,
      twoPooledReplica,
      ratios: {
        batchEvents: ratio(twoPooledReplica.batchEventsPerSecond, onePrimary.batchEventsPerSecond),
        dashboardP99: ratio(twoPooledReplica.dashboardP99Ms, onePrimary.dashboardP99Ms),
      },
      usageRowsAgreeWithLedger: mismatches.length === 0,
    });
  } finally {
    await db.drop();
  }
}

/**
 * What partitioning the ledger costs at the database (migration 0023: monthly partitions, keys
 * claimed in ledger_keys by a statement trigger): pgbench's one-statement debit on one payer at
 * 16 and 64 clients and the set-based 100-event statement at 16, on a database at migration
 * 0022 and on one at today's, in the same run (the app is the same; this is the SQL alone).
 */
async function partitionsBench() {
  const run = async (migrationsFolder?: string) => {
    const db = await freshDatabase(undefined, migrationsFolder);
    try {
      await benchPlan(db.handle.db);
      const owners = await makeOwners(db.handle.db, 1, new Date());
      return {
        oneStatementAt16: pgbenchOneStatement(db.url, owners, DURATION, 16),
        oneStatementAt64: pgbenchOneStatement(db.url, owners, DURATION, CONNECTIONS),
        setBased100At16: await pgbenchSetBased(db, owners, DURATION, 16, 100, "on"),
      };
    } finally {
      await db.drop();
    }
  };
  const old = await migrationsUpTo(22);
  let unpartitioned;
  try {
    unpartitioned = await run(old.folder);
  } finally {
    await old.remove();
  }
  const partitioned = await run();
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  save("ledger-partitions", {
    seconds: DURATION,
    unpartitioned,
    partitioned,
    ratios: {
      oneStatementAt16: ratio(partitioned.oneStatementAt16.transactionsPerSecond, unpartitioned.oneStatementAt16.transactionsPerSecond),
      oneStatementAt64: ratio(partitioned.oneStatementAt64.transactionsPerSecond, unpartitioned.oneStatementAt64.transactionsPerSecond),
      setBased100At16: ratio(partitioned.setBased100At16.eventsPerSecond, unpartitioned.setBased100At16.eventsPerSecond),
    },
  });
}

async function main() {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) execSync("npm run build", { cwd: ROOT, stdio: "inherit" });
  const only = process.argv[2];
  if (!only || only === "hot") await debitBench("debit-hot-row", 1);
  if (!only || only === "spread") await debitBench("debit-spread", 1000);
  if (!only || only === "two") await twoProcesses();
  if (!only || only === "reads") save("balance-reads", await balanceReads());
  if (!only || only === "weight") save("page-weight", await pageWeight());
  if (!only || only === "pooler") save("pooler", await poolerBench(DURATION));
  if (!only || only === "scaleout") await scaleOut();
  if (!only || only === "partitions") await partitionsBench();
  printTable();
  process.exit(0);
}

function printTable() {
  const r = results as Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const lines = ["", "| benchmark | figure | target |", "| --- | --- | --- |"];
  for (const name of ["debit-hot-row", "debit-spread"]) {
    const x = r[name];
    if (!x) continue;
    const one = x.pgbenchOneStatementPrepared;
    lines.push(
      `| ${name} | API ${x.api.requestsPerSecond} req/s (p50 ${x.api.p50Ms} ms, p99 ${x.api.p99Ms} ms); no-op route ${x.noop.requestsPerSecond} req/s; pgbench one statement prepared ${one.at64.transactionsPerSecond} tps at 64 (p99 ${one.at64.p99Ms} ms), ${one.at16.transactionsPerSecond} at 16; batch ${x.batch.eventsPerSecond} events/s; pgbench set-based 100 at 16: ${x.pgbenchSetBased100At16.triggersOff.eventsPerSecond} events/s triggers off, ${x.pgbenchSetBased100At16.triggersOn.eventsPerSecond} on; ratios ${JSON.stringify(x.ratios)} | ${JSON.stringify(x.targets)} met ${JSON.stringify(x.met)} |`,
    );
  }
  if (r["two-processes"]) lines.push(`| two-processes | ${r["two-processes"].requestsPerSecond} req/s; ledger agrees: ${r["two-processes"].usageRowsAgreeWithLedger && r["two-processes"].everyAnsweredChargeIsInTheLedger} | invariants hold |`);
  if (r["balance-reads"]) {
    const x = r["balance-reads"];
    lines.push(`| balance-reads | balance p50 ${x.at10k.balanceP50Ms} → ${x.at1m.balanceP50Ms} ms; page p50 ${x.at10k.pageP50Ms} → ${x.at1m.pageP50Ms} ms; whole-workspace view ${x.at10k.wholeWorkspacePageP50Ms} → ${x.at1m.wholeWorkspacePageP50Ms} ms (10k → 1M events) | 1M within 1.2× of 10k; balance p50 ≤ 5 ms |`);
  }
  if (r["pooler"]) {
    const x = r["pooler"];
    const pg = typeof x.throughPgBouncer === "object" ? `${x.throughPgBouncer.chargesPerSecond}/s (p99 ${x.throughPgBouncer.p99Ms} ms)` : x.throughPgBouncer;
    lines.push(`| pooler | charges at 16: direct prepared ${x.directPrepared.chargesPerSecond}/s (p99 ${x.directPrepared.p99Ms} ms), unprepared ${x.directUnprepared.chargesPerSecond}/s (p99 ${x.directUnprepared.p99Ms} ms), through PgBouncer ${pg}; ratios ${JSON.stringify(x.ratios)} | measured, no target |`);
  }
  if (r["ledger-partitions"]) {
    const x = r["ledger-partitions"];
    const row = (y: Record<string, Record<string, number>>) => `one statement ${y.oneStatementAt16!.transactionsPerSecond} tps at 16, ${y.oneStatementAt64!.transactionsPerSecond} at 64; set-based 100 ${y.setBased100At16!.eventsPerSecond} events/s`;
    lines.push(`| ledger-partitions | at 0022: ${row(x.unpartitioned)}; partitioned: ${row(x.partitioned)}; ratios ${JSON.stringify(x.ratios)} | measured, no target |`);
  }
  if (r["scale-out"]) {
    const x = r["scale-out"];
    const row = (y: Record<string, number>) => `batch ${y.batchEventsPerSecond} events/s (p99 ${y.batchP99Ms} ms), dashboard p99 ${y.dashboardP99Ms} ms at ${y.dashboardRequestsPerSecond} req/s, replica transactions ${y.replicaTransactions}`;
    lines.push(`| scale-out | one process on the primary: ${row(x.onePrimary)}; two through PgBouncer, dashboards on the replica: ${row(x.twoPooledReplica)}; ratios ${JSON.stringify(x.ratios)} | measured, no target |`);
  }
  if (r["page-weight"]) {
    for (const [page, kb] of Object.entries(r["page-weight"].firstLoadKbGzip as Record<string, number>)) lines.push(`| page-weight ${page} | ${kb} KB gzipped first load | ≤ 250 KB |`);
  }
  console.log(lines.join("\n"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
