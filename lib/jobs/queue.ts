import { randomUUID } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import type PgBoss from "pg-boss";
import { rowsOf, type Db, type DbHandle } from "@/db/client";

/**
 * The job queue: pg-boss on our own database, through our own client (both drivers, so the
 * embedded database runs it too). Its schema lives in our migrations (0016); so do its queues.
 *
 * A job is enqueued with `enqueue(tx, …)` inside the transaction of the change that causes it:
 * the job exists if and only if that change committed. Handlers are idempotent (a job may run
 * twice: a retry after a crash, or the request that caused it finishing the work inline).
 */

export const QUEUES = {
  /** Drive one owner decision (payment, application) to a final state. */
  decision: "decision",
  /** Apply a seat's scheduled changes that have come due. */
  scheduledChange: "scheduled_change",
  /** Apply a workspace's switch of credit model that has come due (migration 0025). */
  modelSwitch: "model_switch",
  /** Deliver one email of the outbox (migration 0020). */
  mail: "mail",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface JobData {
  decision: { decisionId: string };
  /** A seat's scheduled changes (jobs enqueued before migration 0025 may carry a workspace's switch instead). */
  scheduled_change: { accountId: string } | { workspaceId: string };
  model_switch: { workspaceId: string };
  mail: { mailId: string };
}

type Executor = { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

// A parameter cast to an array type (`$2::uuid[]`): bound element by element inside ARRAY[…],
// which every driver encodes the same way.
const ARRAY_CAST = /^::[a-z_][a-z0-9_]*\[\]/i;

/** pg-boss's `$n` SQL text as a drizzle query: every value stays a bound parameter. */
export function queryOf(text: string, values: unknown[] = []): SQL {
  const parts: string[] = [];
  const ordered: unknown[] = [];
  const re = /\$(\d+)/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    parts.push(text.slice(last, m.index));
    ordered.push(values[Number(m[1]) - 1]);
    last = re.lastIndex;
  }
  parts.push(text.slice(last));
  const query = sql.empty();
  query.append(sql.raw(parts[0]!));
  ordered.forEach((value, i) => {
    const next = parts[i + 1]!;
    if (Array.isArray(value) && ARRAY_CAST.test(next)) {
      query.append(sql`ARRAY[${sql.join(value.map((v) => sql`${v}`), sql`, `)}]`);
    } else {
      // JSON payloads go as text (the SQL casts them to jsonb); dates as ISO instants.
      const bound = value === undefined ? null : value instanceof Date ? value.toISOString() : value !== null && typeof value === "object" && !Array.isArray(value) ? JSON.stringify(value) : value;
      query.append(sql`${bound}`);
    }
    query.append(sql.raw(next));
  });
  return query;
}

/** A transaction (or the database) as pg-boss's executor. */
export function executorOf(db: Db): Executor {
  return { executeSql: async (text, values) => ({ rows: rowsOf(await db.execute(queryOf(text, values))) }) };
}

/** The process's own connection as pg-boss's executor: statements with no parameters may be several. */
export function handleExecutor(handle: DbHandle): Executor {
  return {
    async executeSql(text, values) {
      if (!values || values.length === 0) return { rows: await handle.execSimple(text) };
      return executorOf(handle.db).executeSql(text, values);
    },
  };
}

// Sending needs no running boss: a stopped one over a stand-in executor builds the insert, and
// the transaction's executor runs it.
let sender: PgBoss | undefined;
async function senderBoss(): Promise<PgBoss> {
  if (!sender) {
    const { default: Boss } = await import("pg-boss");
    sender = new Boss({ db: { executeSql: async () => ({ rows: [] }) }, schema: "pgboss", migrate: false, schedule: false, supervise: false });
  }
  return sender;
}

/**
 * Enqueues a job in `tx`'s transaction. `id` makes it idempotent: the same id twice is one
 * job (an insert that finds it does nothing). `startAfter` delays it (a change due later).
 */
export async function enqueue<Q extends QueueName>(tx: Db, queue: Q, data: JobData[Q], opts: { id?: string; startAfter?: Date } = {}): Promise<string | null> {
  const boss = await senderBoss();
  return boss.send(queue, data as object, { id: opts.id ?? randomUUID(), ...(opts.startAfter ? { startAfter: opts.startAfter } : {}), db: executorOf(tx) } as PgBoss.SendOptions);
}

/** A boss that works queues on this process's database (the app's worker or `npm run worker`). */
export async function createBoss(handle: DbHandle): Promise<PgBoss> {
  const { default: Boss } = await import("pg-boss");
  // Our migrations made its schema; it only checks the version. No cron: nothing here is periodic
  // but the sweep, which the worker runs itself.
  return new Boss({ db: handleExecutor(handle), schema: "pgboss", migrate: false, schedule: false, supervise: true, maintenanceIntervalSeconds: 30 });
}
