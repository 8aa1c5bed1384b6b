import { credits, type Millicredits } from "./amounts";

export type PlanId = "free" | "starter" | "builder" | "pro" | "elite";
export type Cadence = "monthly" | "daily";

export interface PlanSpec {
  id: PlanId;
  name: string;
  cadence: Cadence;
  messageAllowance: Millicredits;
  integrationAllowance: Millicredits;
  /** Price per seat per cycle, in cents (USD). */
  priceCents: number;
  rank: number;
}

/**
 * The default catalog. The `plans` table is seeded from this list; the app reads plans
 * from the database so a deployment can change prices without a release.
 */
export const PLAN_CATALOG: readonly PlanSpec[] = [
  { id: "free", name: "Free", cadence: "daily", messageAllowance: credits(5), integrationAllowance: credits(25), priceCents: 0, rank: 0 },
  { id: "starter", name: "Starter", cadence: "monthly", messageAllowance: credits(100), integrationAllowance: credits(2_000), priceCents: 2_000, rank: 1 },
  { id: "builder", name: "Builder", cadence: "monthly", messageAllowance: credits(250), integrationAllowance: credits(10_000), priceCents: 5_000, rank: 2 },
  { id: "pro", name: "Pro", cadence: "monthly", messageAllowance: credits(500), integrationAllowance: credits(20_000), priceCents: 10_000, rank: 3 },
  { id: "elite", name: "Elite", cadence: "monthly", messageAllowance: credits(1_200), integrationAllowance: credits(50_000), priceCents: 20_000, rank: 4 },
];

/** The plans a paid seat can be on (every monthly plan), for validating a choice. */
export const PAID_PLAN_IDS = PLAN_CATALOG.filter((p) => p.cadence === "monthly").map((p) => p.id) as [PlanId, ...PlanId[]];

export function planSpec(id: PlanId): PlanSpec {
  const plan = PLAN_CATALOG.find((p) => p.id === id);
  if (!plan) throw new Error(`unknown plan ${id}`);
  return plan;
}

/** A top-up pack: credits of one kind for a price. The `top_up_packs` table is seeded from these. */
export interface PackSpec {
  kind: "message" | "integration";
  credits: Millicredits;
  priceCents: number;
}

export const TOP_UP_PACKS: readonly PackSpec[] = [
  { kind: "message", credits: credits(50), priceCents: 1_500 },
  { kind: "integration", credits: credits(1_000), priceCents: 1_000 },
];

/** Packs per purchase: larger needs are pointed to an upgrade. */
export const MAX_PACKS_PER_PURCHASE = 8;
/** Top-up credits expire this many months after purchase. */
export const TOP_UP_VALIDITY_MONTHS = 12;
