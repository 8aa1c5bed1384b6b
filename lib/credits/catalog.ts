import type { Db } from "@/db/client";
import { plans } from "@/db/schema";
import { PLAN_CATALOG } from "./plans";

/** Upserts the plan catalog. Safe to run on every start and in production. */
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
}
