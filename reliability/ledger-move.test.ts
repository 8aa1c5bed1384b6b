import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debitCredits } from "@/lib/credits/debit";
import { ensureLedgerPartitions } from "@/lib/credits/ledger-partitions";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { directUrlFor } from "@/tests/support/local-db";
import { freshDatabase } from "@/tests/support/server";

// Rows in the ledger's default partition move into their month when it is made (the worker does
// it at start: the demo's history, a backfill). Found by CI: while the move was under way, a
// reader saw the rows in neither place and the check after a test found every rollup of those
// hours without its ledger rows. The move now takes the whole ledger: readers wait, then see
// every row where it now is.

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.drop());

describe("moving rows out of the default partition", () => {
  it("is never seen half done: a reader during the move waits, then counts every row", async () => {
    const d = db.handle.db;
    const owner = await makeUser(d, "Owner", new Date("2024-12-01T00:00:00Z"));
    const ws = await makeWorkspace(d, owner, { billingAnchor: new Date("2025-01-03T00:00:00Z") });
    await makeSeat(d, ws, "builder", owner.id);
    const app = await makeApp(d, ws, owner, "Backfill");
    // 40 rows of January 2025, a month without a partition: they sit in the default partition.
    for (let i = 0; i < 40; i++) {
      await debitCredits(d, { key: `move:${i}`, action: "integration.llm", workspaceId: ws.id, actorUserId: null, appId: app.id }, new Date(Date.UTC(2025, 0, 4, 0, i)));
    }
    const url = directUrlFor(db.url) ?? db.url;
    const mover = postgres(url, { max: 1, onnotice: () => {} });
    const reader = postgres(url, { max: 1, onnotice: () => {} });
    const count = async () => (await reader`select count(*)::int as n from credit_ledger where workspace_id = ${ws.id}`)[0]!.n as number;
    try {
      expect(await count()).toBe(40);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let moved!: () => void;
      const didMove = new Promise<void>((r) => (moved = r));
      const moving = mover.begin(async (tx) => {
        await tx`select credits_ledger_partition('2025-01-01'::date)`;
        moved();
        await held;
      });
      await didMove;
      // The move is done but not committed: a reader neither sees the rows gone nor gets past it.
      let answered = false;
      const during = count().then((n) => ((answered = true), n));
      await expect.poll(async () => (await d.execute(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'select count(*)::int as n from credit_ledger%'`)) as unknown as { n: number }[]).toEqual([{ n: 1 }]);
      expect(answered).toBe(false);
      release();
      await moving;
      expect(await during).toBe(40);
      const parts = await reader`select tableoid::regclass::text as part, count(*)::int as n from credit_ledger where workspace_id = ${ws.id} group by 1`;
      expect(parts.map((r) => [r.part, r.n])).toEqual([["credit_ledger_2025_01", 40]]);
      // Made again (as the worker does each hour): nothing moves, nothing waits.
      await ensureLedgerPartitions(d, new Date("2025-01-15T00:00:00Z"), 0);
      expect(await count()).toBe(40);
    } finally {
      await mover.end({ timeout: 5 });
      await reader.end({ timeout: 5 });
    }
  });
});
