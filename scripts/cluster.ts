/**
 * `npm run cluster -- up|down|status`: the topology past one machine, on this machine, from
 * Debian's packages: a streaming read replica of the primary at 127.0.0.1:5432 (pg_basebackup,
 * a second cluster on port 5433) and PgBouncer in transaction pooling in front of the primary
 * (port 6432). Tests, the bench and a developer use the same real pieces. Runs as root (it
 * installs PgBouncer if missing and starts both as the postgres user); everything it makes lives
 * in CLUSTER_DIR (default /var/tmp/credits-cluster), outside the repo.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:6432/credits           the app's queries, pooled
 *   DATABASE_DIRECT_URL=postgres://postgres@127.0.0.1:5432/credits    LISTEN, migrations, CLIs
 *   DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/credits   dashboards' reads
 */
import { execFileSync, execSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, chownSync } from "node:fs";
import path from "node:path";

const DIR = process.env.CLUSTER_DIR ?? "/var/tmp/credits-cluster";
const PRIMARY = { host: "127.0.0.1", port: 5432 };
const REPLICA_PORT = Number(process.env.CLUSTER_REPLICA_PORT ?? 5433);
const BOUNCER_PORT = Number(process.env.CLUSTER_POOLER_PORT ?? 6432);
const replicaDir = path.join(DIR, "replica");
const bouncerIni = path.join(DIR, "pgbouncer.ini");

const sh = (cmd: string) => execSync(cmd, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" }).trim();
const asPostgres = (args: string[]) => execFileSync("runuser", ["-u", "postgres", "--", ...args], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" }).trim();
const tryRun = (fn: () => unknown) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

function pgBin(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort();
  return path.join("/usr/lib/postgresql", versions.at(-1)!, "bin");
}

function ready(port: number) {
  return tryRun(() => sh(`pg_isready -h 127.0.0.1 -p ${port} -q`));
}

async function waitFor(what: string, check: () => boolean, seconds = 30) {
  for (let i = 0; i < seconds * 10; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${seconds} s (see ${DIR}).`);
}

function installPgBouncer() {
  if (tryRun(() => sh("command -v pgbouncer"))) return;
  console.log("installing PgBouncer (Debian's package)…");
  sh("apt-get update -qq");
  sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer");
  // The package may start its own instance from /etc/pgbouncer; ours has its own config and port.
  tryRun(() => sh("service pgbouncer stop"));
}

const SLOT = "credits_replica";
const primarySql = (query: string) => sh(`psql -h ${PRIMARY.host} -p ${PRIMARY.port} -U postgres -Atc "${query}"`);

/** A base backup of the primary into replicaDir, with a physical replication slot: the primary
 * keeps the WAL the replica has not received yet, however long it is stopped. */
function makeReplica() {
  console.log(`replica: base backup of ${PRIMARY.host}:${PRIMARY.port} into ${replicaDir}…`);
  dropSlot();
  asPostgres([path.join(pgBin(), "pg_basebackup"), "-h", PRIMARY.host, "-p", String(PRIMARY.port), "-U", "postgres", "-D", replicaDir, "-R", "-X", "stream", "-c", "fast", "-C", "-S", SLOT]);
  // Debian keeps configuration outside the data folder: the replica gets its own.
  writeFileSync(
    path.join(replicaDir, "postgresql.conf"),
    [`port = ${REPLICA_PORT}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${DIR}'`, "hot_standby = on", "hot_standby_feedback = on", "max_connections = 200", "shared_buffers = 128MB"].join("\n") + "\n",
  );
  writeFileSync(path.join(replicaDir, "pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\n");
  writeFileSync(path.join(replicaDir, "pg_ident.conf"), "");
  sh(`chown postgres:postgres ${replicaDir}/postgresql.conf ${replicaDir}/pg_hba.conf ${replicaDir}/pg_ident.conf`);
}

/** Drops the replica's slot, once the walsender of a replica just stopped has let go of it. */
function dropSlot() {
  for (let i = 0; i < 100; i++) {
    const state = tryRun(() => {
      if (primarySql(`select count(*) from pg_replication_slots where slot_name = '${SLOT}' and active`) !== "0") throw new Error("active");
    });
    if (state) break;
    execSync("sleep 0.1");
  }
  tryRun(() => primarySql(`select pg_drop_replication_slot('${SLOT}') from pg_replication_slots where slot_name = '${SLOT}' and not active`));
}

async function startReplica() {
  if (ready(REPLICA_PORT)) return;
  asPostgres([path.join(pgBin(), "pg_ctl"), "-D", replicaDir, "-l", path.join(DIR, "replica.log"), "-w", "start"]);
  await waitFor("the replica", () => ready(REPLICA_PORT));
}

function stopReplica() {
  if (existsSync(path.join(replicaDir, "postmaster.pid"))) tryRun(() => asPostgres([path.join(pgBin(), "pg_ctl"), "-D", replicaDir, "-m", "fast", "-w", "stop"]));
}

/** Whether the primary has a walsender streaming to a replica, within `seconds`. */
async function streaming(seconds: number) {
  for (let i = 0; i < seconds * 10; i++) {
    if (tryRun(() => {
      // Connected: streaming, or catching up after a long stop.
      if (primarySql("select count(*) from pg_stat_replication where state in ('streaming', 'catchup')") === "0") throw new Error("not yet");
    })) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function logTail(lines = 15) {
  const log = path.join(DIR, "replica.log");
  return existsSync(log) ? readFileSync(log, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "(no log)";
}

async function up() {
  if (!ready(PRIMARY.port)) throw new Error(`The primary is not answering at ${PRIMARY.host}:${PRIMARY.port}. Start it first (README: A real PostgreSQL).`);
  installPgBouncer();
  mkdirSync(DIR, { recursive: true });
  chownSync(DIR, Number(sh("id -u postgres")), Number(sh("id -g postgres")));

  // The primary must accept replication connections from this machine (one line in its pg_hba.conf).
  const hba = sh(`psql -h ${PRIMARY.host} -p ${PRIMARY.port} -U postgres -Atc "show hba_file"`);
  if (!/^host\s+replication\s+all\s+127\.0\.0\.1\/32/m.test(readFileSync(hba, "utf8"))) {
    console.log(`primary: allowing replication from 127.0.0.1 (${hba})`);
    writeFileSync(hba, readFileSync(hba, "utf8").replace(/\n?$/, "\nhost replication all 127.0.0.1/32 trust\n"));
    sh(`psql -h ${PRIMARY.host} -p ${PRIMARY.port} -U postgres -Atc "select pg_reload_conf()"`);
  }
  // The slot keeps WAL for a stopped replica, up to a bound: past it the slot is let go and `up`
  // makes the replica again, rather than the primary's disk filling up.
  if (primarySql("show max_slot_wal_keep_size") === "-1") {
    primarySql("alter system set max_slot_wal_keep_size = '4GB'");
    primarySql("select pg_reload_conf()");
  }
  if (!existsSync(path.join(replicaDir, "PG_VERSION"))) makeReplica();
  await startReplica();
  // A replica that is up but cannot stream (the WAL it needs is gone from the primary, say after
  // the machine was stopped for a while) is made again from a new base backup, once.
  if (!(await streaming(20))) {
    console.log(`replica: not streaming; its log says:\n${logTail()}\nreplica: making it again from a new base backup…`);
    stopReplica();
    rmSync(replicaDir, { recursive: true, force: true });
    makeReplica();
    await startReplica();
    if (!(await streaming(30))) throw new Error(`The replica does not stream from the primary. Its log (${path.join(DIR, "replica.log")}):\n${logTail()}`);
  }
  // A test stopped while it had paused replay would leave it paused.
  tryRun(() => sh(`psql -h 127.0.0.1 -p ${REPLICA_PORT} -U postgres -Atc "select pg_wal_replay_resume()"`));

  writeFileSync(path.join(DIR, "userlist.txt"), '"postgres" ""\n');
  writeFileSync(
    bouncerIni,
    [
      "[databases]",
      `* = host=${PRIMARY.host} port=${PRIMARY.port}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${BOUNCER_PORT}`,
      `unix_socket_dir = ${DIR}`,
      "auth_type = trust",
      `auth_file = ${path.join(DIR, "userlist.txt")}`,
      "admin_users = postgres",
      "pool_mode = transaction",
      "max_client_conn = 2000",
      "default_pool_size = 40",
      "max_db_connections = 80",
      // Session settings cannot follow a transaction-pooled client: the app sends none behind a pooler.
      "ignore_startup_parameters = extra_float_digits",
      `pidfile = ${path.join(DIR, "pgbouncer.pid")}`,
      `logfile = ${path.join(DIR, "pgbouncer.log")}`,
    ].join("\n") + "\n",
  );
  sh(`chown -R postgres:postgres ${DIR}`);
  if (!ready(BOUNCER_PORT)) {
    asPostgres(["pgbouncer", "-d", bouncerIni]);
    await waitFor("PgBouncer", () => ready(BOUNCER_PORT));
  }
  status();
}

function down() {
  const pid = path.join(DIR, "pgbouncer.pid");
  if (existsSync(pid)) tryRun(() => sh(`kill ${readFileSync(pid, "utf8").trim()}`));
  stopReplica();
  dropSlot();
  rmSync(DIR, { recursive: true, force: true });
  console.log(`cluster down: replica and PgBouncer stopped, ${DIR} removed (the primary is left as it was).`);
}

function status() {
  const line = (name: string, port: number, extra = "") => console.log(`${name.padEnd(10)} 127.0.0.1:${port}  ${ready(port) ? "up" : "down"}${extra}`);
  line("primary", PRIMARY.port);
  let lag = "";
  if (ready(REPLICA_PORT)) {
    tryRun(() => {
      const r = sh(`psql -h 127.0.0.1 -p ${PRIMARY.port} -U postgres -Atc "select state || ', replay lag ' || coalesce(replay_lag::text, '0') from pg_stat_replication limit 1"`);
      lag = r ? `  (${r})` : "  (not streaming)";
    });
  }
  line("replica", REPLICA_PORT, lag);
  line("pgbouncer", BOUNCER_PORT, "  (transaction pooling)");
}

const command = process.argv[2];
const run = command === "up" ? up() : command === "down" ? Promise.resolve(down()) : command === "status" ? Promise.resolve(status()) : Promise.reject(new Error("usage: npm run cluster -- up|down|status"));
run.catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
