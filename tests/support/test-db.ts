import { randomBytes } from "node:crypto";
import { migrateDb, openPglite, openPostgres, type DbHandle } from "@/db/client";
import { seedCatalog } from "@/lib/credits/catalog";

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * A fresh, migrated database with the plan catalog, for one test file.
 * With DATABASE_URL: a new database on that (local only) server, dropped by `cleanup`.
 * Without: an in-memory PGlite.
 */
export async function createTestDb(): Promise<DbHandle & { cleanup(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const handle = await openPglite();
    await migrateDb(handle);
    await seedCatalog(handle.db);
    return { ...handle, cleanup: handle.close };
  }
  const parsed = new URL(url);
  // Tests create and drop databases: never point them at a server that is not this machine.
  if (!LOCAL_HOSTS.has(parsed.hostname)) {
    throw new Error(`Refusing to run tests against a non-local database host (${parsed.hostname}).`);
  }
  const name = `credits_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = await openPostgres(url, 1);
  await admin.db.execute(`create database ${name}`);
  await admin.close();
  parsed.pathname = `/${name}`;
  const handle = await openPostgres(parsed.toString(), 20);
  await migrateDb(handle);
  await seedCatalog(handle.db);
  return {
    ...handle,
    async cleanup() {
      await handle.close();
      const dropper = await openPostgres(url, 1);
      await dropper.db.execute(`drop database if exists ${name} with (force)`);
      await dropper.close();
    },
  };
}
