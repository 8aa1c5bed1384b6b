// @pooler: transaction-level advisory lock and SET LOCAL lock_timeout (CI runs this file again through PgBouncer)
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { createHash } from "node:crypto";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf, type DbHandle } from "@/db/client";
import { accountUsage, creditLedger, ledgerArchives, ledgerKeys } from "@/db/schema";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { getMemberBalance } from "./balance";
import { debitBatch } from "./batch";
import { findLotMismatches, findRollupMismatches, findUsageMismatches } from "./check";
import { debitCredits, reserveCredits, type DebitInput } from "./debit";
import { releaseReservation } from "./reservations";
import { archiveHorizon, archiveLedgerBefore, ensureLedgerPartitions, ledgerPartitions } from "./ledger-partitions";
import { DomainError } from "@/lib/errors";

// The ledger partitioned by month (migration 0023): keys unique across months through
// ledger_keys, rows routed to their month, old months detached and archived with balances and
// the checks intact. Its own database: archiving detaches months for everyone in it.

let h: DbHandle & { cleanup(): Promise<void> };
let dir: string;
beforeAll(async () => {
  h = await createTestDb();
  dir = await mkdtemp(path.join(tmpdir(), "ledger-archive-"));
});
afterAll(async () => {
  await h?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const anchor = new Date("2025-08-05T09:00:00.000Z");
let n = 0;
const key = () => `partitions:${++n}:${Math.random()}`;

async function world() {
  const owner = await makeUser(h.db, "Owner", new Date("2025-08-01T00:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: anchor, members: [] });
  const seat = await makeSeat(h.db, ws, "builder", owner.id);
  const app = await makeApp(h.db, ws, owner);
  return { owner, ws, seat, app };
}
type World = Awaited<ReturnType<typeof world>>;
const integration = (w: World, k = key()): DebitInput => ({ key: k, action: "integration.llm", workspaceId: w.ws.id, actorUserId: null, appId: w.app.id, source: "api" });
const message = (w: World, k = key()): DebitInput => ({ key: k, action: "message.discuss", workspaceId: w.ws.id, actorUserId: w.owner.id });
const ledgerRows = async (k: string) => (await h.db.select({ n: count() }).from(creditLedger).where(eq(creditLedger.idempotencyKey, k)))[0]!.n;
const partitionOf = async (k: string) =>
  rowsOf<{ part: string }>(await h.db.execute(sql`select tableoid::regclass::text as part from credit_ledger where idempotency_key = ${k}`)).map((r) => r.part);
const mismatches = async () => [...(await findUsageMismatches(h.db)), ...(await findLotMismatches(h.db)), ...(await findRollupMismatches(h.db))];

describe("the ledger, partitioned by month", () => {
  it("routes each row to its month; a month made later takes its rows out of the default partition", async () => {
    const w = await world();
    // No partition for November 2025 yet (the migration made this month and three ahead).
    const early = key();
    await debitCredits(h.db, integration(w, early), new Date("2025-11-20T12:00:00Z"));
    expect(await partitionOf(early)).toEqual(["credit_ledger_default"]);

    await ensureLedgerPartitions(h.db, new Date("2025-11-20T12:00:00Z"), 1);
    expect(await partitionOf(early)).toEqual(["credit_ledger_2025_11"]);
    const parts = await ledgerPartitions(h.db);
    expect(parts.map((p) => p.name)).toEqual(expect.arrayContaining(["credit_ledger_2025_11", "credit_ledger_2025_12", "credit_ledger_default"]));
    expect(parts.at(-1)!.name).toBe("credit_ledger_default");

    const later = key();
    await debitCredits(h.db, integration(w, later), new Date("2025-12-01T00:00:00Z"));
    expect(await partitionOf(later)).toEqual(["credit_ledger_2025_12"]);
    // A row dated in a past month with no partition (a backfill): the next round makes its month.
    const backfilled = key();
    await debitCredits(h.db, integration(w, backfilled), new Date("2025-08-10T12:00:00Z"));
    expect(await partitionOf(backfilled)).toEqual(["credit_ledger_default"]);
    await ensureLedgerPartitions(h.db, new Date("2025-12-01T00:00:00Z"), 0);
    expect(await partitionOf(backfilled)).toEqual(["credit_ledger_2025_08"]);
    // Made again: nothing changes.
    await ensureLedgerPartitions(h.db, new Date("2025-11-20T12:00:00Z"), 1);
    expect(await partitionOf(early)).toEqual(["credit_ledger_2025_11"]);
    expect(await mismatches()).toEqual([]);
  });

  it("a replay across a month boundary is still one charge: single calls, batches, and both at once", async () => {
    const w = await world();
    await ensureLedgerPartitions(h.db, new Date("2025-09-01T00:00:00Z"), 1);
    const before = new Date("2025-09-30T23:59:59.900Z");
    const after = new Date("2025-10-01T00:00:00.100Z");
    const usedNow = async () => (await h.db.select().from(accountUsage).where(eq(accountUsage.accountId, w.seat.id))).reduce((s, r) => s + r.integrationUsed + r.messageUsed, 0);

    // A single call on the last instant of September, replayed in October.
    const single = key();
    const first = await debitCredits(h.db, integration(w, single), before);
    expect(first).toMatchObject({ outcome: "charged", replay: false });
    const used = await usedNow();
    const again = await debitCredits(h.db, integration(w, single), after);
    expect(again).toMatchObject({ outcome: "charged", replay: true, event: { id: first.event.id } });
    expect(await ledgerRows(single)).toBe(1);
    expect(await partitionOf(single)).toEqual(["credit_ledger_2025_09"]);

    // A batch of three in September, sent again in October with one new event.
    const keys = [key(), key(), key()];
    const batch = await debitBatch(h.db, keys.map((k) => integration(w, k)), before);
    expect(batch.map((a) => ("result" in a ? a.result.replay : a.error.message))).toEqual([false, false, false]);
    const newKey = key();
    const batchAgain = await debitBatch(h.db, [...keys, newKey].map((k) => integration(w, k)), after);
    expect(batchAgain.map((a) => ("result" in a ? [a.result.replay, a.result.event.id] : a.error.message))).toEqual([
      ...batch.map((a) => ("result" in a ? [true, a.result.event.id] : "")),
      [false, expect.any(Number)],
    ]);
    for (const k of keys) expect(await ledgerRows(k)).toBe(1);
    expect(await partitionOf(newKey)).toEqual(["credit_ledger_2025_10"]);

    // The same keys at the same moment from both sides of midnight (single calls, and a single
    // call against a batch): each key is written once, in whichever month won; the rest replay.
    const messages = Array.from({ length: 10 }, () => key());
    const integrations = Array.from({ length: 10 }, () => key());
    const answers = await Promise.all([
      ...messages.flatMap((k) => [debitCredits(h.db, message(w, k), before), debitCredits(h.db, message(w, k), after)]),
      ...integrations.flatMap((k) => [debitCredits(h.db, integration(w, k), before), debitBatch(h.db, [integration(w, k)], after).then(([a]) => ("result" in a! ? a.result : Promise.reject(a!.error)))]),
    ]);
    expect(answers.filter((a) => a.replay)).toHaveLength(20);
    for (const k of [...messages, ...integrations]) expect(await ledgerRows(k)).toBe(1);
    // Charged exactly once each: the first call, three batch events, the new one, ten messages, ten integrations.
    expect(await usedNow()).toBe(used + 4 * first.event.amount + 10 * 300 + 10 * first.event.amount);
    expect(await mismatches()).toEqual([]);
  });
});

describe("archiving old months", () => {
  it("detaches months before the cutoff into files; balances and the checks stay correct; an archived key is never charged again", async () => {
    const w = await world();
    const aug = new Date("2025-08-20T10:00:00Z");
    const sep = new Date("2025-09-12T10:00:00Z");
    const oct = new Date("2025-10-15T10:00:00Z");
    const now = new Date("2025-10-20T10:00:00Z");
    await ensureLedgerPartitions(h.db, aug, 3);
    const augKey = key();
    await debitCredits(h.db, integration(w, augKey), aug);
    await debitCredits(h.db, message(w), aug);
    await debitBatch(h.db, [integration(w), integration(w)], sep);
    const sepKey = key();
    await debitCredits(h.db, message(w, sepKey), sep);
    const octKey = key();
    await debitCredits(h.db, integration(w, octKey), oct);
    await debitCredits(h.db, message(w), oct);
    // A row of July, a month no partition was made for: it sits in the default partition.
    const julyKey = key();
    await debitCredits(h.db, message(w, julyKey), new Date("2025-07-30T10:00:00Z"));
    expect(await partitionOf(julyKey)).toEqual(["credit_ledger_default"]);
    // A hold made in September and still pending.
    const held = await reserveCredits(h.db, message(w), sep);

    // This month cannot be archived, nor a later one, nor one that ended less than a day ago;
    // nor while a hold made before the cutoff is still pending.
    await expect(archiveLedgerBefore(h.db, new Date("2025-11-01T00:00:00Z"), dir, now)).rejects.toBeInstanceOf(DomainError);
    await expect(archiveLedgerBefore(h.db, new Date("2025-10-01T00:00:00Z"), dir, new Date("2025-10-01T20:00:00Z"))).rejects.toBeInstanceOf(DomainError);
    await expect(archiveLedgerBefore(h.db, new Date("2025-10-01T00:00:00Z"), dir, now)).rejects.toMatchObject({ code: "conflict" });
    expect(await releaseReservation(h.db, held.event.reservationId!, sep)).toBe(true);
    expect(await mismatches()).toEqual([]);

    const rowsBefore = rowsOf<{ m: string; n: number; charged: number }>(
      await h.db.execute(sql`select to_char(created_at at time zone 'UTC', 'YYYY-MM') as m, count(*)::int as n, coalesce(sum(amount) filter (where outcome = 'charged'), 0)::int as charged
        from credit_ledger where created_at < '2025-10-01' group by 1 order by 1`),
    );
    const balance = await getMemberBalance(h.db, { workspaceId: w.ws.id, userId: w.owner.id }, now);
    expect(await mismatches()).toEqual([]);

    const archived = await archiveLedgerBefore(h.db, new Date("2025-10-01T00:00:00Z"), dir, now);
    expect(archived.map((a) => [a.month, a.rows, a.charged])).toEqual(rowsBefore.map((r) => [r.m, r.n, r.charged]));
    expect(archived.map((a) => a.month)).toEqual(["2025-07", "2025-08", "2025-09"]);
    expect(await archiveHorizon(h.db)).toEqual(new Date("2025-10-01T00:00:00Z"));

    // The file holds the month's rows, one JSON object a line, and its SHA-256 is what was recorded.
    const sepFile = archived.find((a) => a.month === "2025-09")!;
    const lines: string[] = [];
    for await (const line of createInterface({ input: createReadStream(sepFile.file).pipe(createGunzip()) })) lines.push(line);
    expect(lines).toHaveLength(sepFile.rows);
    expect(lines.map((l) => JSON.parse(l).idempotency_key)).toContain(sepKey);
    expect(createHash("sha256").update(lines.map((l) => l + "\n").join("")).digest("hex")).toBe(sepFile.sha256);
    const [recorded] = await h.db.select().from(ledgerArchives).where(eq(ledgerArchives.month, "2025-09-01"));
    expect(recorded).toMatchObject({ rows: sepFile.rows, sha256: sepFile.sha256, file: sepFile.file });

    // The ledger holds no row before the cutoff; the partitions are gone; October is untouched.
    expect(rowsOf<{ n: number }>(await h.db.execute(sql`select count(*)::int as n from credit_ledger where created_at < '2025-10-01'`))[0]!.n).toBe(0);
    expect((await ledgerPartitions(h.db)).map((p) => p.name)).not.toContain("credit_ledger_2025_09");
    expect(await ledgerRows(octKey)).toBe(1);

    // Balances are what they were; the checks find nothing wrong (and still find a real fault).
    expect(await getMemberBalance(h.db, { workspaceId: w.ws.id, userId: w.owner.id }, now)).toEqual(balance);
    expect(await mismatches()).toEqual([]);
    const [octUsage] = await h.db.select().from(accountUsage).where(eq(accountUsage.accountId, w.seat.id)).orderBy(sql`cycle_start desc`).limit(1);
    await h.db.update(accountUsage).set({ messageUsed: octUsage!.messageUsed + 1 }).where(and(eq(accountUsage.accountId, w.seat.id), eq(accountUsage.cycleStart, octUsage!.cycleStart)));
    expect((await findUsageMismatches(h.db)).map((m) => m.field)).toEqual(["message_used"]);
    await h.db.update(accountUsage).set({ messageUsed: octUsage!.messageUsed }).where(and(eq(accountUsage.accountId, w.seat.id), eq(accountUsage.cycleStart, octUsage!.cycleStart)));

    // An archived event's key stays taken: its replay is refused (409), nothing is charged.
    const usedBefore = (await h.db.select().from(accountUsage).where(eq(accountUsage.accountId, w.seat.id))).reduce((s, r) => s + r.integrationUsed, 0);
    await expect(debitCredits(h.db, integration(w, augKey), now)).rejects.toMatchObject({ code: "idempotency_conflict" });
    const [answer] = await debitBatch(h.db, [integration(w, augKey)], now);
    expect(answer).toMatchObject({ error: { code: "idempotency_conflict" } });
    expect((await h.db.select().from(accountUsage).where(eq(accountUsage.accountId, w.seat.id))).reduce((s, r) => s + r.integrationUsed, 0)).toBe(usedBefore);
    expect((await h.db.select({ n: count() }).from(ledgerKeys).where(eq(ledgerKeys.idempotencyKey, augKey)))[0]!.n).toBe(1);

    // Run again: nothing left to archive.
    expect(await archiveLedgerBefore(h.db, new Date("2025-10-01T00:00:00Z"), dir, now)).toEqual([]);
  });
});
