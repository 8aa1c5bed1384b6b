import PgBoss from "pg-boss";
import type { DbHandle } from "@/db/client";
import { runDecision, sweepDecisions } from "@/lib/billing/drive/run-decision";
import { ensureLedgerPartitions } from "@/lib/credits/ledger-partitions";
import type { PaymentProvider } from "@/lib/billing/payments/provider";
import { settleModelSwitch } from "@/lib/credits/model-switch";
import { configuredProvider } from "@/lib/billing/payments/configured";
import { settleDueChanges } from "@/lib/credits/scheduled-changes";
import { env } from "@/lib/env";
import { createBoss, type JobData, QUEUES } from "@/lib/jobs/queue";
import { deliverMail } from "@/lib/mail";

/**
 * The worker: works the job queue (decisions, changes that come due) and sweeps decisions that
 * stayed on their way too long (a job whose worker died mid-way, a provider that was down).
 * It runs inside the app (instrumentation.ts, unless JOBS_IN_APP=off) or alone (`npm run worker`);
 * several at once are safe: every step is a compare-and-set, every payment keyed by its decision.
 */

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
  await workEach(QUEUES.scheduledChange, (data) =>
    // A switch enqueued here before migration 0025 gave switches their own queue.
    "workspaceId" in data ? settleModelSwitch(handle.db, data.workspaceId, new Date()) : settleDueChanges(handle.db, data.accountId, new Date()),
  );
  await workEach(QUEUES.modelSwitch, (data) => settleModelSwitch(handle.db, data.workspaceId, new Date()));
  // A sweep (or a month's partitions) still running when its timer fires again is left to finish:
  // never two at once in one process.
  let sweeping: Promise<unknown> | null = null;
  const sweep = () => {
    sweeping ??= sweepDecisions(handle.db, provider, sweepAfterMs)
      .catch((err) => console.warn("sweep:", err instanceof Error ? err.message : err))
      .finally(() => (sweeping = null));
  };
  sweep();
  const timer = setInterval(sweep, Math.max(1000, Math.min(sweepAfterMs, 30_000)));
  // The ledger's months are made ahead (this month and the next three), at start and hourly.
  let partitioning: Promise<unknown> | null = null;
  const partitions = () => {
    partitioning ??= ensureLedgerPartitions(handle.db, new Date())
      .catch((err) => console.warn("ledger partitions:", err instanceof Error ? err.message : err))
      .finally(() => (partitioning = null));
  };
  partitions();
  const monthly = setInterval(partitions, 60 * 60 * 1000);
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
