import type PgBoss from "pg-boss";
import type { DbHandle, Db } from "@/db/client";
import { decisionsInFlight, driveDecision, getDecision, recentlyFailed, refundIfChargedAfterFailing, refundsOwed, voidDecision, type DecisionApplier } from "@/lib/credits/decisions";
import type { PaymentProvider } from "@/lib/credits/payments";
import { configuredProvider } from "@/lib/credits/providers";
import { addSeatApplier, upgradeApplier } from "@/lib/credits/plan-changes";
import { settleModelSwitch, startPoolApplier } from "@/lib/credits/pools";
import { settleDueChanges } from "@/lib/credits/scheduled-changes";
import { ensureLedgerPartitions } from "@/lib/credits/ledger-partitions";
import { topUpApplier } from "@/lib/credits/top-ups";
import { env } from "@/lib/env";
import { conflict } from "@/lib/errors";
import { createBoss, QUEUES, type JobData } from "@/lib/jobs/queue";
import { deliverMail } from "@/lib/mail";

/**
 * The worker: works the job queue (decisions, changes that come due) and sweeps decisions that
 * stayed on their way too long (a job whose worker died mid-way, a provider that was down).
 * It runs inside the app (instrumentation.ts, unless JOBS_IN_APP=off) or alone (`npm run worker`);
 * several at once are safe: every step is a compare-and-set, every payment keyed by its decision.
 */

const APPLIERS: Record<string, DecisionApplier> = { top_up: topUpApplier, add_seat: addSeatApplier, upgrade: upgradeApplier, start_pool: startPoolApplier };

/** Drives one decision with the applier of its kind (the job's handler, the sweep's, the CLI's). */
export async function runDecision(db: Db, decisionId: string, provider: PaymentProvider, now?: () => Date) {
  const d = await getDecision(db, decisionId);
  const applier = APPLIERS[d.kind];
  if (!applier) throw conflict(`A ${d.kind} is not a decision that is paid for.`);
  return driveDecision(db, decisionId, { provider, applier, providerTimeoutMs: env().PAYMENT_TIMEOUT_MS, now });
}

export { voidDecision };

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

export interface Worker {
  boss: PgBoss;
  stop(): Promise<void>;
}

export async function startWorker(handle: DbHandle, opts: { provider?: PaymentProvider; sweepAfterMs?: number; pollSeconds?: number } = {}): Promise<Worker> {
  const provider = opts.provider ?? configuredProvider();
  const sweepAfterMs = opts.sweepAfterMs ?? env().DECISION_SWEEP_AFTER_MS;
  const boss = await createBoss(handle);
  boss.on("error", (err) => console.warn("job queue:", err instanceof Error ? err.message : err));
  await boss.start();
  const pollingIntervalSeconds = opts.pollSeconds ?? 1;
  // pg-boss waits a polling interval between fetches: each fetch takes a batch, and each job of
  // it succeeds or fails (to be retried with backoff) on its own.
  const workEach = <Q extends keyof JobData>(queue: Q, handler: (data: JobData[Q]) => Promise<unknown>) =>
    boss.work<JobData[Q]>(queue, { pollingIntervalSeconds, batchSize: 20 }, async (jobs) => {
      await Promise.all(
        jobs.map(async (job) => {
          try {
            await handler(job.data);
          } catch (err) {
            await boss.fail(queue, job.id, { message: err instanceof Error ? err.message : String(err) });
          }
        }),
      );
    });
  await workEach(QUEUES.decision, (data) => runDecision(handle.db, data.decisionId, provider));
  await workEach(QUEUES.mail, (data) => deliverMail(handle.db, data.mailId, new Date()));
  await workEach(QUEUES.scheduledChange, (data) => ("workspaceId" in data ? settleModelSwitch(handle.db, data.workspaceId, new Date()) : settleDueChanges(handle.db, data.accountId, new Date())));
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = sweepDecisions(handle.db, provider, sweepAfterMs).catch((err) => console.warn("sweep:", err instanceof Error ? err.message : err));
  };
  sweep();
  const timer = setInterval(sweep, Math.max(1000, Math.min(sweepAfterMs, 30_000)));
  // The ledger's months are made ahead (this month and the next three), at start and hourly.
  const partitions = () => ensureLedgerPartitions(handle.db, new Date()).catch((err) => console.warn("ledger partitions:", err instanceof Error ? err.message : err));
  let partitioning: Promise<unknown> = partitions();
  const monthly = setInterval(() => (partitioning = partitions()), 60 * 60 * 1000);
  return {
    boss,
    async stop() {
      clearInterval(timer);
      clearInterval(monthly);
      await Promise.all([sweeping, partitioning]);
      await boss.stop({ graceful: true, close: false, wait: true, timeout: 5000 });
    },
  };
}
