import type { Db } from "@/db/client";
import { debitBatch } from "./batch";
import { debitCredits, type DebitInput, type DebitResult } from "./debit";

/**
 * Group commit for single integration charges: the charges of one app that reach this process
 * while another group of that app is being written wait for it, then go together through the
 * set-based path (batch.ts) in one transaction — one usage-row lock, one ledger insert, one
 * commit for all of them. A charge that finds nothing in flight goes at once, alone, on the
 * one-statement path. Each caller gets its own event's answer, exactly what a charge on its
 * own would have said; correctness never depends on the grouping (two processes each group,
 * and their transactions queue on the usage row as single charges do).
 */
export const MAX_GROUP = 100;

interface Waiting {
  input: DebitInput;
  now: Date;
  resolve: (r: DebitResult) => void;
  reject: (err: unknown) => void;
}

const queues = new Map<string, { db: Db; waiting: Waiting[] }>();

export function debitGrouped(db: Db, input: DebitInput, now: Date): Promise<DebitResult> {
  const key = input.appId;
  if (!key) return debitCredits(db, input, now);
  return new Promise<DebitResult>((resolve, reject) => {
    const queue = queues.get(key);
    if (queue) {
      queue.waiting.push({ input, now, resolve, reject });
      return;
    }
    // Nothing of this app in flight: this charge goes now, and opens the queue for those that
    // arrive while it is written.
    queues.set(key, { db, waiting: [] });
    void run(key, [{ input, now, resolve, reject }]);
  });
}

async function run(key: string, first: Waiting[]) {
  let group = first;
  while (group.length > 0) {
    await settle(queues.get(key)!.db, group);
    const queue = queues.get(key)!;
    group = queue.waiting.splice(0, MAX_GROUP);
  }
  queues.delete(key);
}

async function settle(db: Db, group: Waiting[]) {
  if (group.length === 1) {
    const [one] = group;
    await debitCredits(db, one!.input, one!.now).then(one!.resolve, one!.reject);
    return;
  }
  // The group answers by the earliest deadline among its callers, and is dated by its latest
  // arrival (they are milliseconds apart).
  const deadline = group.map((w) => w.input.deadline).reduce<Date | undefined>((a, d) => (d && (!a || d < a) ? d : a), undefined);
  const now = group.reduce((a, w) => (w.now > a ? w.now : a), group[0]!.now);
  try {
    const answers = await debitBatch(db, group.map((w) => w.input), now, deadline);
    answers.forEach((a, i) => ("error" in a ? group[i]!.reject(a.error) : group[i]!.resolve(a.result)));
  } catch (err) {
    for (const w of group) w.reject(err);
  }
}
