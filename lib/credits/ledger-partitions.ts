import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
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

/** Makes this month's partition and the next `ahead` months' (idempotent; moves rows out of the default). */
export async function ensureLedgerPartitions(db: Db, now: Date, ahead = 3): Promise<string[]> {
  const made: string[] = [];
  for (let i = 0; i <= ahead; i++) {
    const m = addMonths(monthStart(now), i);
    made.push(...rowsOf<{ name: string }>(await db.execute(sql`select credits_ledger_partition(${monthText(m) + "-01"}::date) as name`)).map((r) => r.name));
  }
  return made;
}

/** The ledger's partitions with their row counts, oldest first, the default last. */
export async function ledgerPartitions(db: Db): Promise<LedgerPartition[]> {
  const parts = rowsOf<{ name: string; bound: string }>(
    await db.execute(sql`select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'credit_ledger'::regclass`),
  );
  const counts = new Map(rowsOf<{ name: string; n: string | number }>(await db.execute(sql`select tableoid::regclass::text as name, count(*) as n from credit_ledger group by 1`)).map((r) => [r.name, Number(r.n)]));
  return parts
    .map((p) => {
      const from = /FROM \('([^']+)'\)/.exec(p.bound)?.[1];
      return { name: p.name, month: from ? monthStart(new Date(from)) : null, rows: counts.get(p.name) ?? 0 };
    })
    .sort((a, b) => (a.month === null ? 1 : b.month === null ? -1 : a.month.getTime() - b.month.getTime()));
}

/** Everything the ledger held before this instant is archived (null: nothing is). */
export async function archiveHorizon(db: Db): Promise<Date | null> {
  const [row] = rowsOf<{ until: string | Date | null }>(await db.execute(sql`select max(until) as until from ${ledgerArchives}`));
  return row?.until ? new Date(row.until) : null;
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
 * recorded in ledger_archives (rows, charged credits, the file's SHA-256) and its table dropped.
 * The current month and later are refused. Rows of those months still in the default partition
 * move into their month first, so nothing older than the archive stays behind. Keys stay in
 * ledger_keys: a replay of an archived event is refused, never charged again.
 *
 * Each month: DETACH (a brief lock on the ledger) and its archive row in one transaction; then
 * the file from the detached table (no longer written to); then the file's figures and the
 * table dropped. Run again after a crash, it finishes a month it had detached.
 */
export async function archiveLedgerBefore(db: Db, before: Date, dir: string, now: Date): Promise<ArchivedMonth[]> {
  const cutoff = monthStart(before);
  if (cutoff.getTime() > monthStart(now).getTime()) throw invalid(`Only past months can be archived: ${monthText(cutoff)} is not before this month (${monthText(monthStart(now))}).`);
  // Rows of old months still in the default partition go to their own month first.
  const strays = rowsOf<{ m: string | Date }>(
    await db.execute(sql`select distinct date_trunc('month', created_at at time zone 'UTC') as m from credit_ledger_default where created_at < ${cutoff.toISOString()}::timestamptz`),
  );
  for (const s of strays) await db.execute(sql`select credits_ledger_partition(${monthText(new Date(s.m as string))}-01::date)`);

  const done: ArchivedMonth[] = [];
  // Months detached but not finished (a crash in between) come first, then attached ones.
  const pending = rowsOf<{ month: string | Date }>(await db.execute(sql`select month from ${ledgerArchives} where sha256 = '' order by month`)).map((r) => monthStart(new Date(r.month)));
  const attached = (await ledgerPartitions(db)).filter((p) => p.month && p.month < cutoff).map((p) => p.month!);
  await mkdir(dir, { recursive: true });
  for (const month of [...pending, ...attached]) {
    const table = `credit_ledger_${monthText(month).replace("-", "_")}`;
    const until = addMonths(month, 1);
    if (!pending.includes(month)) {
      await db.transaction(async (tx) => {
        const [older] = rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'credit_ledger'::regclass and c.relname < ${table} and c.relname <> 'credit_ledger_default'`));
        if (older!.n > 0) throw conflict(`An older month of the ledger is still attached: archive it first.`);
        await tx.execute(sql.raw(`alter table credit_ledger detach partition "${table}"`));
        await tx.insert(ledgerArchives).values({ month: monthText(month) + "-01", until, rows: 0, charged: 0, file: "", sha256: "" });
      });
    }
    done.push(await writeArchive(db, table, month, dir));
  }
  return done;
}

async function writeArchive(db: Db, table: string, month: Date, dir: string): Promise<ArchivedMonth> {
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
  await rename(partial, file);
  const sha256 = hash.digest("hex");
  await db.transaction(async (tx) => {
    await tx.execute(sql`update ${ledgerArchives} set rows = ${rows}, charged = ${charged}, file = ${file}, sha256 = ${sha256} where month = ${monthText(month) + "-01"}`);
    await tx.execute(sql.raw(`drop table "${table}"`));
  });
  return { month: monthText(month), rows, charged, file, sha256 };
}
