import path from "node:path";
import { migrateDb, openPglite, openPostgres, type Db, type DbHandle } from "@/db/client";
import { seedCatalog } from "./credits/catalog";
import { env } from "./env";
import { connectEvents } from "./events";

const globalForDb = globalThis as unknown as { creditsDb?: Promise<DbHandle> };

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
  if (config.DATABASE_URL) return { handle: await openPostgres(config.DATABASE_URL, poolMax), where: "PostgreSQL at DATABASE_URL" };
  return { handle: await openPglite(path.join(config.dataDir, "pglite")), where: `embedded database in ${config.dataDir}` };
}

async function openAppDb(): Promise<DbHandle> {
  const config = env();
  if (config.DATABASE_URL) return openPostgres(config.DATABASE_URL, config.DATABASE_POOL_MAX, { statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS });
  const handle = await openPglite(path.join(config.dataDir, "pglite"));
  await migrateDb(handle);
  await seedCatalog(handle.db);
  return handle;
}
