import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MIGRATIONS_DIR, migrateDb, openPglite, openPostgres, type DbHandle } from "@/db/client";
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

/**
 * Where a run's migrated template lives (made once by `prepareTestTemplate`, tests/support/
 * global-setup.ts): on a server, a database to copy (`CREATE DATABASE … TEMPLATE`); on PGlite, a
 * dumped data folder to load. Without one (a test run outside vitest's global setup), every
 * database is migrated from scratch as before.
 */
const TEMPLATE_DB = "CREDITS_TEST_TEMPLATE_DB";
const TEMPLATE_PGLITE = "CREDITS_TEST_TEMPLATE_PGLITE";

async function openTestDb(migrationsFolder?: string): Promise<DbHandle & { cleanup(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  // A template holds today's migrations only: another folder (upgrade tests) migrates its own.
  const useTemplate = !migrationsFolder;
  if (!url) {
    const dumpFile = useTemplate ? process.env[TEMPLATE_PGLITE] : undefined;
    const handle = await openPglite(undefined, dumpFile ? { loadDataDir: new Blob([await readFile(dumpFile)]) } : {});
    if (!dumpFile) {
      await migrateDb(handle, migrationsFolder);
      await seedCatalog(handle.db);
    }
    return { ...handle, cleanup: handle.close };
  }
  const parsed = assertLocalDatabase(url);
  const name = `credits_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const template = useTemplate ? process.env[TEMPLATE_DB] : undefined;
  // Databases are made, migrated and dropped on the primary itself (not through a pooler).
  const adminUrl = directUrlFor(url) ?? url;
  const admin = await openPostgres(adminUrl, 1);
  await admin.db.execute(template ? `create database ${name} template ${template}` : `create database ${name}`);
  await admin.close();
  parsed.pathname = `/${name}`;
  const direct = directUrlFor(parsed);
  if (direct && !template) {
    const migrator = await openPostgres(direct, 1);
    await migrateDb(migrator, migrationsFolder);
    await migrator.close();
  }
  const handle = await openPostgres(parsed.toString(), 20, poolerOptions(parsed));
  if (!template) {
    if (!direct) await migrateDb(handle, migrationsFolder);
    await seedCatalog(handle.db);
  }
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

/**
 * Migrates one database for the whole run and says where it is (in the environment the test
 * workers inherit); every test file then starts from a copy of it instead of 24 migrations.
 * Returns the teardown that removes it.
 */
export async function prepareTestTemplate(): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const handle = await openPglite();
    await migrateDb(handle);
    await seedCatalog(handle.db);
    const file = path.join(await mkdtemp(path.join(tmpdir(), "credits-template-")), "pglite.tar");
    await writeFile(file, Buffer.from(await (await handle.dump!()).arrayBuffer()));
    await handle.close();
    process.env[TEMPLATE_PGLITE] = file;
    return () => rm(path.dirname(file), { recursive: true, force: true });
  }
  const parsed = assertLocalDatabase(url);
  const adminUrl = directUrlFor(url) ?? url;
  const name = `credits_template_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = await openPostgres(adminUrl, 1);
  await admin.db.execute(`create database ${name}`);
  parsed.pathname = `/${name}`;
  // Migrated on the primary itself: its connection is closed before anyone copies it.
  const migrator = await openPostgres(directUrlFor(parsed) ?? parsed.toString(), 1);
  await migrateDb(migrator);
  await seedCatalog(migrator.db);
  await migrator.close();
  process.env[TEMPLATE_DB] = name;
  return async () => {
    await admin.db.execute(`drop database if exists ${name} with (force)`);
    await admin.close();
  };
}

/**
 * A copy of the migrations folder as it stood at migration `lastIdx` (upgrade tests and the
 * partitioning bench migrate a database to it, then to today's). `remove()` deletes the copy.
 */
export async function migrationsUpTo(lastIdx: number): Promise<{ folder: string; remove(): Promise<void> }> {
  const folder = await mkdtemp(path.join(tmpdir(), `migrations-${lastIdx}-`));
  await cp(MIGRATIONS_DIR, folder, { recursive: true });
  const journalFile = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: { idx: number; tag: string }[] };
  for (const e of journal.entries.filter((e) => e.idx > lastIdx)) await rm(path.join(folder, `${e.tag}.sql`));
  journal.entries = journal.entries.filter((e) => e.idx <= lastIdx);
  await writeFile(journalFile, JSON.stringify(journal));
  return { folder, remove: () => rm(folder, { recursive: true, force: true }) };
}
