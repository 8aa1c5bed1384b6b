/**
 * What a seat's use cases share. Owners' plan decisions: "one decision, one charge" — a decision
 * that costs money is recorded with its job (the seat locked, its state re-checked, due changes
 * applied), then driven through paying → paid → applied (../decisions) — once, whoever else is
 * retrying it. A decision that cannot apply is refused before anything is charged, or voided and
 * refunded if it stopped applying while the payment went through.
 */
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, plans } from "@/db/schema";
import type { PlanChange } from "@/lib/credits/scheduled-changes";
import { conflict, invalid } from "@/lib/errors";

export type Plan = typeof plans.$inferSelect;

/** A paid plan by id, or the reason it cannot be a seat's. */
export async function paidPlan(db: Db, planId: string): Promise<Plan> {
  const [plan] = await db.select().from(plans).where(eq(plans.id, planId));
  if (!plan || !plan.active) throw invalid(`There is no plan called "${planId}".`);
  if (plan.cadence !== "monthly") throw invalid("A paid seat needs a paid plan (Starter, Builder, Pro or Elite).");
  return plan;
}

export async function seatOf(db: Db, change: PlanChange) {
  const [seat] = change.accountId ? await db.select().from(creditAccounts).where(eq(creditAccounts.id, change.accountId)) : [];
  if (!seat) throw conflict("This decision is still being processed. Reload in a moment.");
  return seat;
}

export type PlanChangeResult =
  | { effect: "now"; change: PlanChange }
  | { effect: "scheduled"; change: PlanChange; effectiveAt: Date };
