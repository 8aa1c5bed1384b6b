import { mkdirSync } from "node:fs";
import path from "node:path";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Schema = typeof schema;
/** A database handle or a transaction: every query function takes one of these. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export const MIGRATIONS_DIR = path.join(/* turbopackIgnore: true */ process.cwd(), "db", "migrations");

export interface DbHandle {
  db: Db;
  driver: "postgres" | "pglite";
  close(): Promise<void>;
  /** LISTEN on a channel (a dedicated connection on a server); resolves to the way to stop. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Runs SQL text with no parameters, several statements allowed (the job queue's maintenance). */
  execSimple(text: string): Promise<unknown[]>;
  /** PGlite only: its data folder as a tarball, to start other instances from (tests' template). */
  dump?(): Promise<Blob>;
}

/** The rows of a `db.execute` result, whichever driver answered (postgres.js: an array; PGlite: `{ rows }`). */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}

/**
 * Opens a server database through the `postgres` driver. Does not migrate.
 * `directUrl`: `url` goes through a transaction pooler (PgBouncer), and this is the primary
 * itself. Then statements are not prepared by name (PgBouncer 1.18 cannot keep them across
 * transactions), no session settings are sent (the pooler would refuse them: set them on the
 * database or role instead), and LISTEN, which needs a session of its own, uses `directUrl`.
 */
export async function openPostgres(url: string, max = 10, opts: { statementTimeoutMs?: number; directUrl?: string } = {}): Promise<DbHandle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const pooled = !!opts.directUrl;
  const client = postgres(url, {
    max,
    onnotice: () => {},
    prepare: !pooled,
    // Fail fast while the server is away instead of queueing requests forever.
    connect_timeout: 5,
    idle_timeout: 30,
    // Session settings sent when each connection opens: no statement (nor wait for a lock)
    // outlives the bound, and no transaction sits idle holding locks.
    ...(opts.statementTimeoutMs && !pooled
      ? {
          connection: {
            statement_timeout: opts.statementTimeoutMs,
            lock_timeout: opts.statementTimeoutMs,
            idle_in_transaction_session_timeout: opts.statementTimeoutMs * 2,
          },
        }
      : {}),
  });
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    driver: "postgres",
    close: () => client.end({ timeout: 5 }),
    async listen(channel, onPayload) {
      if (!opts.directUrl) {
        const { unlisten } = await client.listen(channel, onPayload);
        return unlisten;
      }
      const direct = postgres(opts.directUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      const { unlisten } = await direct.listen(channel, onPayload);
      return async () => {
        await unlisten();
        await direct.end({ timeout: 5 });
      };
    },
    async execSimple(text) {
      // Several statements (a BEGIN … COMMIT among them) need one connection of their own.
      const reserved = await client.reserve();
      try {
        return [...(await reserved.unsafe(text).simple())];
      } finally {
        reserved.release();
      }
    },
  };
}

/**
 * Opens embedded PostgreSQL (PGlite) in `dataDir`, or in memory when dataDir is undefined.
 * `loadDataDir`: start from a dumped data folder (`dumpPglite`) instead of an empty cluster.
 */
export async function openPglite(dataDir?: string, opts: { loadDataDir?: Blob } = {}): Promise<DbHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create({ dataDir, loadDataDir: opts.loadDataDir });
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    driver: "pglite",
    close: () => client.close(),
    listen: (channel, onPayload) => client.listen(channel, onPayload),
    async execSimple(text) {
      const results = await client.exec(text);
      return results.at(-1)?.rows ?? [];
    },
    dump: () => client.dumpDataDir("none"),
  };
}

/** Applies the committed drizzle-kit migrations. */
/** Applies the migrations not applied yet (`migrationsFolder`: another folder, for upgrade tests). */
export async function migrateDb(handle: DbHandle, migrationsFolder = MIGRATIONS_DIR): Promise<void> {
  if (handle.driver === "pglite") {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    // The migrator's type names its own driver's database; the handle is that driver's.
    await migrate(handle.db as never, { migrationsFolder });
  } else {
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    await migrate(handle.db as never, { migrationsFolder });
  }
}
