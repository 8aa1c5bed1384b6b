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
  // Periodic work as jobs, once per cluster: every worker asks on its timer; the queues' policy
  // (migration 0026) keeps one queued and one running across all workers, so a sweep (or a
  // month's partitions) still running when the next is asked for is left to finish, never doubled.
  await workEach(QUEUES.sweep, () => sweepDecisions(handle.db, provider, sweepAfterMs));
  // The ledger's months are made ahead (this month and the next three), at start and hourly.
  await workEach(QUEUES.ledgerPartitions, () => ensureLedgerPartitions(handle.db, new Date()));
  const ask = (queue: typeof QUEUES.sweep | typeof QUEUES.ledgerPartitions) => () =>
    void boss.send(queue, {}).catch((err) => console.warn(`${queue}:`, err instanceof Error ? err.message : err));
  ask(QUEUES.sweep)();
  ask(QUEUES.ledgerPartitions)();
  const timer = setInterval(ask(QUEUES.sweep), Math.max(1000, Math.min(sweepAfterMs, 30_000)));
  const monthly = setInterval(ask(QUEUES.ledgerPartitions), 60 * 60 * 1000);
  return {
    boss,
    async stop() {
      clearInterval(timer);
      clearInterval(monthly);
      // Waits for the jobs this worker is running (a sweep among them) before it lets go.
      await boss.stop({ graceful: true, close: false, wait: true, timeout: 5000 });
    },
  };
}
