/** Drives a decision with the applier of its kind (the job, the sweep, the webhook, the CLI), and the sweep of those left on their way: above every aggregate, since it knows them all. */
import type { Db } from "@/db/client";
import { type DecisionApplier, driveDecision, refundIfChargedAfterFailing } from "@/lib/billing/decisions/state-machine";
import { decisionsInFlight, getDecision, recentlyFailed, refundsOwed } from "@/lib/billing/decisions/queries";
import type { PaymentProvider } from "@/lib/billing/payments/provider";
import { addSeatApplier } from "@/lib/billing/seats/add-seat";
import { upgradeApplier } from "@/lib/billing/seats/change-plan";
import { startPoolApplier } from "@/lib/billing/pools/start-pool";
import { topUpApplier } from "@/lib/billing/top-ups/buy-top-up";
import { env } from "@/lib/env";
import { conflict } from "@/lib/errors";

const APPLIERS: Record<string, DecisionApplier> = { top_up: topUpApplier, add_seat: addSeatApplier, upgrade: upgradeApplier, start_pool: startPoolApplier };

/** Drives one decision with the applier of its kind (the job's handler, the sweep's, the CLI's). */
export async function runDecision(db: Db, decisionId: string, provider: PaymentProvider, now?: () => Date) {
  const d = await getDecision(db, decisionId);
  const applier = APPLIERS[d.kind];
  if (!applier) throw conflict(`A ${d.kind} is not a decision that is paid for.`);
  return driveDecision(db, decisionId, { provider, applier, providerTimeoutMs: env().PAYMENT_TIMEOUT_MS, now });
}

/**
 * Drives every decision that has been on its way longer than `olderThanMs` (null: all of them),
 * and owed refunds. `now`: the clock the decisions apply at (tests pass theirs).
 */
export async function sweepDecisions(db: Db, provider: PaymentProvider, olderThanMs: number | null, now?: () => Date): Promise<{ driven: number; failed: number }> {
  const stuck = [...(await decisionsInFlight(db, olderThanMs === null ? {} : { olderThan: new Date(Date.now() - olderThanMs) })), ...(await refundsOwed(db))];
  let failed = 0;
  for (const d of stuck) {
    try {
      await runDecision(db, d.id, provider, now);
    } catch (err) {
      failed++;
      console.warn(`decision ${d.id} is still on its way:`, err instanceof Error ? err.message : err);
    }
  }
  // A payment confirmed by the bank after its decision failed, with no webhook (or return) to say so.
  for (const d of await recentlyFailed(db, now?.() ?? new Date())) {
    try {
      await refundIfChargedAfterFailing(db, d, provider, now?.());
    } catch (err) {
      console.warn(`decision ${d.id}: could not check its payment:`, err instanceof Error ? err.message : err);
    }
  }
  return { driven: stuck.length - failed, failed };
}
