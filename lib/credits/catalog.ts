import type { Db } from "@/db/client";
import { plans, topUpPacks } from "@/db/schema";
import { PLAN_CATALOG, TOP_UP_PACKS } from "./plans";

/** Upserts the plan and top-up catalogs. Safe to run on every start and in production. */
export async function seedCatalog(db: Db): Promise<void> {
  for (const p of PLAN_CATALOG) {
    await db
      .insert(plans)
      .values(p)
      .onConflictDoUpdate({
        target: plans.id,
        set: {
          name: p.name,
          cadence: p.cadence,
          messageAllowance: p.messageAllowance,
          integrationAllowance: p.integrationAllowance,
          priceCents: p.priceCents,
          rank: p.rank,
        },
      });
  }
  for (const p of TOP_UP_PACKS) {
    await db.insert(topUpPacks).values(p).onConflictDoUpdate({ target: topUpPacks.kind, set: { credits: p.credits, priceCents: p.priceCents } });
  }
}
