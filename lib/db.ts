import path from "node:path";
import { sql } from "drizzle-orm";
import { migrateDb, openPglite, openPostgres, rowsOf, type Db, type DbHandle } from "@/db/client";
import { seedCatalog } from "./credits/catalog";
import { env } from "./env";
import { connectEvents } from "./events";

const globalForDb = globalThis as unknown as { creditsDb?: Promise<DbHandle>; creditsReplica?: Promise<DbHandle> };

/**
 * The process's database. With DATABASE_URL: that server (migrations are `npm run db:migrate`).
 * Without: embedded PGlite in the data folder, migrated on open (the app's start seeds the demo
 * data the first time: instrumentation.ts).
 * Kept on globalThis so every route bundle and hot reload shares one PGlite instance: two
 * instances on one data folder would corrupt it.
 */
export function getDbHandle(): Promise<DbHandle> {
  // This process's pages hear of other processes' credit changes through this database.
  connectEvents(getDbHandle);
  globalForDb.creditsDb ??= openAppDb().catch((err) => {
    globalForDb.creditsDb = undefined;
    throw err;
  });
  return globalForDb.creditsDb;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

/** The configured database for a CLI: the server at DATABASE_URL, else the embedded one. Not migrated. */
export async function openConfiguredDb(poolMax = 2): Promise<{ handle: DbHandle; where: string }> {
  const config = env();
  // Migrations and operator commands talk to the primary itself, not through a pooler.
  if (config.DATABASE_DIRECT_URL) return { handle: await openPostgres(config.DATABASE_DIRECT_URL, poolMax), where: "PostgreSQL at DATABASE_DIRECT_URL" };
  if (config.DATABASE_URL) return { handle: await openPostgres(config.DATABASE_URL, poolMax), where: "PostgreSQL at DATABASE_URL" };
  return { handle: await openPglite(path.join(config.dataDir, "pglite")), where: `embedded database in ${config.dataDir}` };
}

async function openAppDb(): Promise<DbHandle> {
  const config = env();
  if (config.DATABASE_URL) {
    return openPostgres(config.DATABASE_URL, config.DATABASE_POOL_MAX, { statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS, directUrl: config.DATABASE_DIRECT_URL });
  }
  const handle = await openPglite(path.join(config.dataDir, "pglite"));
  await migrateDb(handle);
  await seedCatalog(handle.db);
  return handle;
}

/** Where a dashboard read went: the replica (and, when it lags, the moment its data is as of) or the primary. */
export interface ReadDb {
  db: Db;
  source: "replica" | "primary";
  /** Set when the replica is behind by more than REPLICA_MAX_LAG_MS: its last replayed commit. */
  asOf: Date | null;
}

let health: { at: number; state: Promise<{ replayLsn: string; replayedAt: Date | null; stalled: boolean } | null> } | null = null;
const HEALTH_TTL_MS = 1_000;

function replicaHandle(url: string): Promise<DbHandle> {
  globalForDb.creditsReplica ??= openPostgres(url, env().DATABASE_POOL_MAX, { statementTimeoutMs: env().DATABASE_STATEMENT_TIMEOUT_MS }).catch((err) => {
    globalForDb.creditsReplica = undefined;
    throw err;
  });
  return globalForDb.creditsReplica;
}

const within = <T>(work: Promise<T>, ms: number) => Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms).unref())]);

/**
 * The replica's position against the primary's, at most once a second per process; null when it
 * does not answer. `stalled`: behind the primary and not replaying (looked at twice, 100 ms
 * apart): a replica merely a few bytes behind for a moment keeps moving, and is not stalled.
 */
async function replicaHealth(url: string) {
  if (health && Date.now() - health.at < HEALTH_TTL_MS) return health.state;
  const state = (async () => {
    try {
      const replica = await within(replicaHandle(url), 1_000);
      const position = async () => rowsOf<{ lsn: string | null; at: Date | string | null }>(await within(replica.db.execute(sql`select pg_last_wal_replay_lsn()::text as lsn, pg_last_xact_replay_timestamp() as at`), 1_000))[0];
      const primary = await getDb();
      const behind = async (lsn: string) => Number(rowsOf<{ behind: string }>(await primary.execute(sql`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${lsn}::pg_lsn)::text as behind`))[0]?.behind ?? 0);
      const r = await position();
      if (!r?.lsn) return null;
      let stalled = false;
      if ((await behind(r.lsn)) > 0) {
        await new Promise((done) => setTimeout(done, 100));
        const again = await position();
        stalled = again?.lsn === r.lsn && (await behind(r.lsn)) > 0;
      }
      return { replayLsn: r.lsn, replayedAt: r.at ? new Date(r.at) : null, stalled };
    } catch {
      return null;
    }
  })();
  health = { at: Date.now(), state };
  return state;
}

/**
 * The database a dashboard read goes to. With DATABASE_REPLICA_URL: the replica, unless it does
 * not answer (then the primary) or has not yet replayed `afterLsn` (the viewer's own last change:
 * read-your-writes, then the primary). Balances and every read inside a charge never come here.
 */
export async function getReadDb(opts: { afterLsn?: string | null } = {}): Promise<ReadDb> {
  const config = env();
  const primary = await getDb();
  if (!config.DATABASE_REPLICA_URL) return { db: primary, source: "primary", asOf: null };
  const h = await replicaHealth(config.DATABASE_REPLICA_URL);
  if (!h) return { db: primary, source: "primary", asOf: null };
  if (opts.afterLsn && /^[0-9A-F]+\/[0-9A-F]+$/i.test(opts.afterLsn)) {
    const [r] = rowsOf<{ behind: string }>(await primary.execute(sql`select pg_wal_lsn_diff(${opts.afterLsn}::pg_lsn, ${h.replayLsn}::pg_lsn)::text as behind`));
    if (Number(r?.behind ?? 0) > 0) return { db: primary, source: "primary", asOf: null };
  }
  // Stalled: the data is as of the last replayed commit; said once that is older than the bound.
  const lagging = h.stalled && !!h.replayedAt && Date.now() - h.replayedAt.getTime() > config.REPLICA_MAX_LAG_MS;
  return { db: (await replicaHandle(config.DATABASE_REPLICA_URL)).db, source: "replica", asOf: lagging ? h.replayedAt : null };
}

/** The primary's WAL position now (after a change commits): what the viewer's next reads must see. Null without a replica. */
export async function primaryPosition(): Promise<string | null> {
  if (!env().DATABASE_REPLICA_URL) return null;
  const [r] = rowsOf<{ lsn: string }>(await (await getDb()).execute(sql`select pg_current_wal_lsn()::text as lsn`));
  return r?.lsn ?? null;
}
