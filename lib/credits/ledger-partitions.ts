import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename } from "node:fs/promises";
import { createInterface } from "node:readline";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { sql } from "drizzle-orm";
import { rowsOf, type Db } from "@/db/client";
import { ledgerArchives } from "@/db/schema";
import { conflict, invalid } from "@/lib/errors";

/**
 * The ledger is partitioned by month of created_at (UTC; migration 0023). Months are made ahead
 * by the worker (ensureLedgerPartitions); a row for a month without a partition lands in the
 * default partition and moves into the month's partition when it is made. Old months are
 * detached and written to a file (archiveLedgerBefore), oldest first, so that "everything
 * before <until>" is archived and the checks know where the ledger starts.
 */

export interface LedgerPartition {
  name: string;
  /** First day of the month (UTC), or null for the default partition. */
  month: Date | null;
  rows: number;
}

const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
const addMonths = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
const monthText = (d: Date) => d.toISOString().slice(0, 7);

/**
 * Changes to the ledger's partitions (making a month, detaching one) run one at a time (a
 * transaction-level advisory lock) and give up after LOCK_TIMEOUT rather than queue in front of
 * the charges: ATTACH and DETACH need strong locks, and a request behind them waits too. Months
 * are made three ahead, so one that gives up is made on the next try.
 */
const PARTITION_LOCK = sql`select pg_advisory_xact_lock(hashtext('credits_ledger_partitions'))`;
const LOCK_TIMEOUT = sql.raw(`set local lock_timeout = '2s'`);

/** Months (YYYY-MM) of rows in the default partition, after the archived horizon and before `before`. */
async function strayMonths(db: Db, before?: Date): Promise<string[]> {
  const rows = rowsOf<{ m: string }>(
    await db.execute(sql`select distinct to_char(created_at at time zone 'UTC', 'YYYY-MM') as m from credit_ledger_default
      where created_at >= (select coalesce(max(until), '-infinity'::timestamptz) from ${ledgerArchives})
        ${before ? sql`and created_at < ${before.toISOString()}::timestamptz` : sql``}`),
  );
  return rows.map((r) => r.m).sort();
}

/** Makes one month's partition (moving its rows out of the default); its name. */
async function makeMonth(db: Db, month: string): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute(LOCK_TIMEOUT);
    await tx.execute(PARTITION_LOCK);
    const [row] = rowsOf<{ name: string }>(await tx.execute(sql`select credits_ledger_partition(${month + "-01"}::date) as name`));
    return row!.name;
  });
}

/**
 * Makes this month's partition and the next `ahead` months', and the month of any row that
 * landed in the default partition (a backfill, the demo's history), moving those rows into it;
 * not a month already archived. Idempotent.
 */
export async function ensureLedgerPartitions(db: Db, now: Date, ahead = 3): Promise<string[]> {
  const months = [...new Set([...(await strayMonths(db)), ...Array.from({ length: ahead + 1 }, (_, i) => monthText(addMonths(monthStart(now), i)))])].sort();
  const made: string[] = [];
  for (const m of months) made.push(await makeMonth(db, m));
  return made;
}

/** The ledger's partitions (from the catalog, no row read), oldest first, the default last. */
async function partitionMonths(db: Db): Promise<Omit<LedgerPartition, "rows">[]> {
  const parts = rowsOf<{ name: string }>(
    await db.execute(sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'credit_ledger'::regclass`),
  );
  return parts
    .map((p) => {
      // Named by its month (credits_ledger_partition): read from the name, not from bounds
      // printed in the session's time zone.
      const m = /^credit_ledger_(\d{4})_(\d{2})$/.exec(p.name);
      return { name: p.name, month: m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)) : null };
    })
    .sort((a, b) => (a.month === null ? 1 : b.month === null ? -1 : a.month.getTime() - b.month.getTime()));
}

/** The ledger's partitions with their row counts (a scan of the whole ledger: the CLI's view). */
export async function ledgerPartitions(db: Db): Promise<LedgerPartition[]> {
  const counts = new Map(rowsOf<{ name: string; n: string | number }>(await db.execute(sql`select tableoid::regclass::text as name, count(*) as n from credit_ledger group by 1`)).map((r) => [r.name, Number(r.n)]));
  return (await partitionMonths(db)).map((p) => ({ ...p, rows: counts.get(p.name) ?? 0 }));
}

/** Everything the ledger held before this instant is archived (null: nothing is). */
export async function archiveHorizon(db: Db): Promise<Date | null> {
  const [row] = rowsOf<{ until: string | Date | null }>(await db.execute(sql`select max(until) as until from ${ledgerArchives}`));
  return row?.until ? new Date(row.until) : null;
}

/** Rows still in the ledger dated before `at` (after archiving: ones that arrived late). */
export async function rowsBefore(db: Db, at: Date): Promise<number> {
  return rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from credit_ledger where created_at < ${at.toISOString()}::timestamptz`))[0]!.n;
}

export interface ArchivedMonth {
  month: string;
  rows: number;
  charged: number;
  file: string;
  sha256: string;
}

/**
 * Detaches every month of the ledger before `before` (a month) and writes each to
 * `<dir>/credit_ledger_YYYY_MM.ndjson.gz` (one JSON row a line), oldest first; the month is
 * recorded in ledger_archives (rows, charged credits, the SHA-256 of the lines) and its table
 * dropped once the file is on disk and read back whole. Refused: a month that ended less than a
 * day ago (a charge that took its time just before midnight may still be on its way), and months
 * with a hold (reservation) still pending. Rows of those months still in the default partition
 * move into their month first. Keys stay in ledger_keys: a replay of an archived event is
 * refused, never charged again.
 *
 * Each month: DETACH and its archive row in one transaction (one at a time with the worker's
 * month-making, giving up after 2 s of waiting for locks); then the file from the detached table
 * (no longer written to); then the figures and the table dropped. Run again after a crash, it
 * finishes a month it had detached.
 */
export async function archiveLedgerBefore(db: Db, before: Date, dir: string, now: Date): Promise<ArchivedMonth[]> {
  const cutoff = monthStart(before);
  if (cutoff.getTime() > now.getTime() - DAY_MS) throw invalid(`Only months that ended at least a day ago can be archived: ${monthText(cutoff)} starts less than a day before now.`);
  const holds = rowsOf<{ n: number }>(
    await db.execute(sql`select count(*)::int as n from reservations r join credit_ledger l on l.reservation_id = r.id
      where r.status = 'pending' and l.outcome = 'reserved' and l.created_at < ${cutoff.toISOString()}::timestamptz`),
  )[0]!.n;
  if (holds > 0) throw conflict(`${holds} hold(s) made before ${monthText(cutoff)} are still pending: archive once they are confirmed or released.`);
  // Rows of old months still in the default partition go to their own month first.
  for (const m of await strayMonths(db, cutoff)) await makeMonth(db, m);

  const done: ArchivedMonth[] = [];
  // Months detached but not finished (a crash in between) come first, then attached ones.
  const pending = rowsOf<{ m: string }>(await db.execute(sql`select to_char(month, 'YYYY-MM') as m from ${ledgerArchives} where sha256 = '' order by month`)).map((r) => r.m);
  const attached = (await partitionMonths(db)).filter((p) => p.month && p.month < cutoff).map((p) => monthText(p.month!));
  await mkdir(dir, { recursive: true });
  for (const month of [...pending, ...attached]) {
    const table = `credit_ledger_${month.replace("-", "_")}`;
    if (!pending.includes(month)) {
      await db.transaction(async (tx) => {
        await tx.execute(LOCK_TIMEOUT);
        await tx.execute(PARTITION_LOCK);
        const [older] = rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'credit_ledger'::regclass and c.relname < ${table} and c.relname <> 'credit_ledger_default'`));
        if (older!.n > 0) throw conflict(`An older month of the ledger is still attached: archive it first.`);
        await tx.execute(sql.raw(`alter table credit_ledger detach partition "${table}"`));
        await tx.insert(ledgerArchives).values({ month: month + "-01", until: addMonths(new Date(`${month}-01T00:00:00Z`), 1), rows: 0, charged: 0, file: "", sha256: "" });
      });
    }
    done.push(await writeArchive(db, table, month, dir));
  }
  return done;
}

const DAY_MS = 86_400_000;

async function writeArchive(db: Db, table: string, month: string, dir: string): Promise<ArchivedMonth> {
  const file = path.join(dir, `${table}.ndjson.gz`);
  const partial = `${file}.partial`;
  const hash = createHash("sha256");
  let rows = 0;
  let charged = 0;
  // Read in id order, a page at a time (a month can be millions of rows).
  async function* lines() {
    let after = -1;
    for (;;) {
      const page = rowsOf<Record<string, unknown> & { id: string | number }>(await db.execute(sql`select * from ${sql.identifier(table)} where id > ${after} order by id limit 5000`));
      if (page.length === 0) return;
      for (const r of page) {
        rows++;
        if (r.outcome === "charged") charged += Number(r.amount);
        const line = JSON.stringify(r) + "\n";
        hash.update(line);
        yield line;
      }
      after = Number(page.at(-1)!.id);
    }
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(partial));
  const sha256 = hash.digest("hex");
  // On disk before the table goes: the file synced, renamed, the folder synced, and read back whole.
  await syncPath(partial);
  await rename(partial, file);
  await syncPath(dir);
  const back = createHash("sha256");
  let linesBack = 0;
  for await (const line of createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity })) {
    back.update(line + "\n");
    linesBack++;
  }
  if (linesBack !== rows || back.digest("hex") !== sha256) throw new Error(`The archive ${file} does not read back as written (${linesBack} of ${rows} lines): the month's table is kept.`);
  const [count] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)}`));
  if (count!.n !== rows) throw new Error(`${table} holds ${count!.n} rows but ${rows} were written: the month's table is kept.`);
  await db.transaction(async (tx) => {
    await tx.execute(sql`update ${ledgerArchives} set rows = ${rows}, charged = ${charged}, file = ${file}, sha256 = ${sha256} where month = ${month + "-01"}`);
    await tx.execute(sql.raw(`drop table "${table}"`));
  });
  return { month, rows, charged, file, sha256 };
}

async function syncPath(p: string) {
  const handle = await open(p, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
