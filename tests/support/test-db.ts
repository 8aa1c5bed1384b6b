import { randomBytes } from "node:crypto";
import { migrateDb, openPglite, openPostgres, type DbHandle } from "@/db/client";
import { seedCatalog } from "@/lib/credits/catalog";

import { assertLocalDatabase, directUrlFor, poolerOptions } from "./local-db";

/** The databases this test file opened: the invariant check after each test reads them. */
export const openTestDbs = new Set<DbHandle>();

/**
 * A fresh, migrated database with the plan catalog, for one test file.
 * With DATABASE_URL: a new database on that (local only) server, dropped by `cleanup`.
 * Without: an in-memory PGlite.
 */
export async function createTestDb(opts: { migrationsFolder?: string } = {}): Promise<DbHandle & { cleanup(): Promise<void> }> {
  const opened = await openTestDb(opts.migrationsFolder);
  const tracked = {
    ...opened,
    async cleanup() {
      openTestDbs.delete(tracked);
      await opened.cleanup();
    },
  };
  openTestDbs.add(tracked);
  return tracked;
}

async function openTestDb(migrationsFolder?: string): Promise<DbHandle & { cleanup(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const handle = await openPglite();
    await migrateDb(handle, migrationsFolder);
    await seedCatalog(handle.db);
    return { ...handle, cleanup: handle.close };
  }
  const parsed = assertLocalDatabase(url);
  const name = `credits_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  // Databases are made, migrated and dropped on the primary itself (not through a pooler).
  const adminUrl = directUrlFor(url) ?? url;
  const admin = await openPostgres(adminUrl, 1);
  await admin.db.execute(`create database ${name}`);
  await admin.close();
  parsed.pathname = `/${name}`;
  const direct = directUrlFor(parsed);
  if (direct) {
    const migrator = await openPostgres(direct, 1);
    await migrateDb(migrator, migrationsFolder);
    await migrator.close();
  }
  const handle = await openPostgres(parsed.toString(), 20, poolerOptions(parsed));
  if (!direct) await migrateDb(handle, migrationsFolder);
  await seedCatalog(handle.db);
  return {
    ...handle,
    async cleanup() {
      await handle.close();
      const dropper = await openPostgres(adminUrl, 1);
      await dropper.db.execute(`drop database if exists ${name} with (force)`);
      await dropper.close();
    },
  };
}
