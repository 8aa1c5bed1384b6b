import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrateDb, rowsOf, type DbHandle } from "@/db/client";
import { makeApp, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createTestDb, migrationsUpTo } from "@/tests/support/test-db";
import { findRollupMismatches } from "./check";
import { isUniqueViolation } from "@/lib/errors";

// Upgrading a database with a ledger to the partitioned one (migration 0023): every row keeps
// its id, key and month; keys stay unique; new rows continue the ids; the rollups still agree.

let h: DbHandle & { cleanup(): Promise<void> };
let before: Awaited<ReturnType<typeof migrationsUpTo>>;
beforeAll(async () => {
  // The migrations as they stood before 0023.
  before = await migrationsUpTo(22);
  h = await createTestDb({ migrationsFolder: before.folder });
});
afterAll(async () => {
  await h?.cleanup();
  await before?.remove();
});

const partitions = async () =>
  rowsOf<{ part: string; n: number }>(await h.db.execute(sql`select tableoid::regclass::text as part, count(*)::int as n from credit_ledger group by 1 order by 1`));

it("moves every ledger row into its month's partition with its id and key; keys stay unique; ids continue", async () => {
  const owner = await makeUser(h.db, "Owner", new Date("2025-01-01T00:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2025-01-01T00:00:00Z"), members: [] });
  const app = await makeApp(h.db, ws, owner);
  // 300 events over three months (written as the app did before 0023; the rollup trigger sums them).
  await h.db.execute(sql`insert into credit_ledger (idempotency_key, request_hash, workspace_id, app_id, action, kind, quantity, amount, outcome, source, created_at)
    select 'old:' || i, 'h', ${ws.id}, ${app.id}, 'integration.llm', 'integration', 1, 1000, 'charged', 'api',
           timestamptz '2025-03-01 00:00:00+00' + (i * interval '7 hours')
    from generate_series(1, 300) i`);
  const rowsBefore = rowsOf<{ id: number; key: string; at: string }>(await h.db.execute(sql`select id::int, idempotency_key as key, created_at::text as at from credit_ledger order by id`));
  const rollups = async () => rowsOf<{ events: number; charged: number }>(await h.db.execute(sql`select sum(events)::int as events, sum(charged)::int as charged from usage_rollup_workspace`));
  const rollupsBefore = await rollups();
  expect(rollupsBefore).toEqual([{ events: 300, charged: 300_000 }]);

  await migrateDb(h);

  const rowsAfter = rowsOf<{ id: number; key: string; at: string }>(await h.db.execute(sql`select id::int, idempotency_key as key, created_at::text as at from credit_ledger order by id`));
  expect(rowsAfter).toEqual(rowsBefore);
  const perMonth = new Map<string, number>();
  for (let i = 1; i <= 300; i++) {
    const month = `credit_ledger_${new Date(Date.UTC(2025, 2, 1) + i * 7 * 3_600_000).toISOString().slice(0, 7).replace("-", "_")}`;
    perMonth.set(month, (perMonth.get(month) ?? 0) + 1);
  }
  expect([...perMonth.keys()]).toEqual(["credit_ledger_2025_03", "credit_ledger_2025_04", "credit_ledger_2025_05"]);
  expect(await partitions()).toEqual([...perMonth].map(([part, n]) => ({ part, n })));
  expect(rowsOf<{ n: number }>(await h.db.execute(sql`select count(*)::int as n from ledger_keys k join credit_ledger l on l.id = k.ledger_id and l.idempotency_key = k.idempotency_key`))[0]!.n).toBe(300);
  // The rollups were not counted twice by the move, and agree with the ledger.
  expect(await rollups()).toEqual(rollupsBefore);
  expect(await findRollupMismatches(h.db)).toEqual([]);

  // An old key cannot be written again, even in another month.
  const again = h.db.execute(sql`insert into credit_ledger (idempotency_key, request_hash, workspace_id, action, kind, amount, outcome, created_at)
    values ('old:1', 'h', ${ws.id}, 'message.discuss', 'message', 0, 'free', now())`);
  await expect(again).rejects.toSatisfy((err: unknown) => isUniqueViolation(err, "credit_ledger_idempotency_key_unique"));
  // A new row continues the ids.
  const [next] = rowsOf<{ id: number }>(
    await h.db.execute(sql`insert into credit_ledger (idempotency_key, request_hash, workspace_id, action, kind, amount, outcome, created_at)
      values ('new:1', 'h', ${ws.id}, 'message.discuss', 'message', 0, 'free', now()) returning id::int`),
  );
  expect(next!.id).toBeGreaterThan(rowsBefore.at(-1)!.id);
});
