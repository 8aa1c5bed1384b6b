/**
 * `npm run db:migrate` and `npm run db:seed`: against DATABASE_URL when set, else the
 * embedded database in the data folder (the app opens it the same way).
 */
import path from "node:path";
import { env } from "@/lib/env";
import { migrateDb, openPglite, openPostgres } from "./client";
import { seedCatalog, seedDemoIfEmpty } from "./seed";

async function main() {
  const command = process.argv[2];
  if (command !== "migrate" && command !== "seed") {
    console.error("usage: tsx db/run.ts migrate|seed");
    process.exit(2);
  }
  const config = env();
  const handle = config.DATABASE_URL
    ? await openPostgres(config.DATABASE_URL, 2)
    : await openPglite(path.join(config.dataDir, "pglite"));
  const where = config.DATABASE_URL ? "PostgreSQL at DATABASE_URL" : `embedded database in ${config.dataDir}`;
  try {
    await migrateDb(handle);
    await seedCatalog(handle.db);
    if (command === "migrate") {
      console.log(`Migrated the ${where} and loaded the plan catalog.`);
    } else {
      const seeded = await seedDemoIfEmpty(handle.db, new Date());
      console.log(seeded ? `Seeded the demo workspace "Acme" into the ${where}.` : `The demo data is already in the ${where}; nothing to do.`);
    }
  } finally {
    await handle.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
