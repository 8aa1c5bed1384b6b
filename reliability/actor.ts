/**
 * A second (third…) process for the reliability suite: it opens its own pool on the test
 * database, runs the job queue's worker, and performs what the test sends it, one JSON line a
 * command on stdin, answering one JSON line each on stdout. Commands wait on a barrier (a shared
 * advisory lock the test holds) so that every process starts its part at the same instant.
 *   tsx reliability/actor.ts <database url>
 */
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { sql } from "drizzle-orm";
import { openPostgres } from "@/db/client";
import { debitCredits } from "@/lib/credits/debit";
import { configuredProvider } from "@/lib/billing/payments/configured";
import { buyTopUp } from "@/lib/billing/top-ups/buy-top-up";
import { runDecision } from "@/lib/billing/drive/run-decision";
import { startWorker } from "@/lib/worker";

type Command =
  | { id: number; op: "buy"; barrier: number; seatId: string; byUserId: string; packs: number }
  | { id: number; op: "charge"; barrier: number; workspaceId: string; appId: string; count: number; quantity: number }
  | { id: number; op: "messages"; barrier: number; workspaceId: string; senders: { userId: string; count: number }[] }
  | { id: number; op: "drive"; barrier: number; decisionIds: string[] }
  | { id: number; op: "exit" };

async function main() {
  const url = process.argv[2];
  if (!url) throw new Error("usage: tsx reliability/actor.ts <database url>");
  const handle = await openPostgres(url, 12, process.env.DATABASE_DIRECT_URL ? { directUrl: process.env.DATABASE_DIRECT_URL } : {});
  const worker = await startWorker(handle, { provider: configuredProvider(), sweepAfterMs: 2_000, pollSeconds: 0.5 });
  const answer = (msg: object) => process.stdout.write(JSON.stringify(msg) + "\n");
  // Waits until the test lets go of the round's lock; the shared lock is released at once.
  const barrier = async (key: number) => {
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock_shared(${key})`);
    });
  };
  answer({ ready: true, pid: process.pid });
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line) as Command;
    try {
      if (cmd.op === "exit") break;
      if (cmd.op === "buy") {
        await barrier(cmd.barrier);
        const lot = await buyTopUp(handle.db, { seatId: cmd.seatId, kind: "integration", packs: cmd.packs, byUserId: cmd.byUserId }, new Date());
        answer({ id: cmd.id, ok: true, lotId: lot.id });
      } else if (cmd.op === "charge") {
        await barrier(cmd.barrier);
        const results = await Promise.all(
          Array.from({ length: cmd.count }, () =>
            debitCredits(handle.db, { key: `app:${cmd.appId}:${randomUUID()}`, action: "integration.api_call", quantity: cmd.quantity, workspaceId: cmd.workspaceId, actorUserId: null, appId: cmd.appId, source: "api" }, new Date()),
          ),
        );
        answer({ id: cmd.id, ok: true, outcomes: results.map((r) => r.outcome) });
      } else if (cmd.op === "drive") {
        // Drives the decisions all at once with this process's provider (PAYMENTS from its environment).
        await barrier(cmd.barrier);
        const provider = configuredProvider();
        const results = await Promise.allSettled(cmd.decisionIds.map((id) => runDecision(handle.db, id, provider)));
        answer({ id: cmd.id, ok: true, statuses: results.map((r) => (r.status === "fulfilled" ? r.value.status : `error: ${r.reason instanceof Error ? r.reason.message : r.reason}`)) });
      } else if (cmd.op === "messages") {
        await barrier(cmd.barrier);
        const sends = cmd.senders.flatMap((s) => Array.from({ length: s.count }, () => s.userId));
        const results = await Promise.all(
          sends.map((userId) => debitCredits(handle.db, { key: randomUUID(), action: "message.implement", workspaceId: cmd.workspaceId, actorUserId: userId }, new Date())),
        );
        answer({ id: cmd.id, ok: true, outcomes: results.map((r, i) => ({ userId: sends[i], outcome: r.outcome === "refused" ? r.refusal : r.outcome })) });
      }
    } catch (err) {
      answer({ id: cmd.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  }
  await worker.stop();
  await handle.close();
}

main().catch((err) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err) + "\n");
  process.exit(1);
});
