import type { Db } from "@/db/client";
import { isDatabaseUnavailable } from "@/lib/errors";
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
    const failed = await settle(queues.get(key)!.db, group);
    const queue = queues.get(key)!;
    // The database could not be reached: those waiting would only queue for the same answer,
    // one group after another. They get it now (a 503: nothing charged, send it again).
    if (failed !== undefined && isDatabaseUnavailable(failed)) for (const w of queue.waiting.splice(0)) w.reject(failed);
    group = queue.waiting.splice(0, MAX_GROUP);
  }
  queues.delete(key);
}

/** Charges one group and answers each of its callers; returns the error that failed it whole, if any. */
async function settle(db: Db, group: Waiting[]): Promise<unknown> {
  if (group.length === 1) {
    const [one] = group;
    try {
      one!.resolve(await debitCredits(db, one!.input, one!.now));
    } catch (err) {
      one!.reject(err);
      return err;
    }
    return undefined;
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
    return err;
  }
  return undefined;
}
