/**
 * `npm run db:migrate` and `npm run db:seed`: against DATABASE_URL when set, else the
 * embedded database in the data folder (the app opens it the same way).
 */
import { migrateDb } from "@/db/client";
import { seedCatalog } from "@/lib/credits/catalog";
import { openConfiguredDb } from "@/lib/db";
import { seedDemoIfEmpty } from "@/lib/demo-data";

async function main() {
  const command = process.argv[2];
  if (command !== "migrate" && command !== "seed") {
    console.error("usage: tsx scripts/db.ts migrate|seed");
    process.exit(2);
  }
  const { handle, where } = await openConfiguredDb();
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
