import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf, type DbHandle } from "@/db/client";
import { creditLedger } from "@/db/schema";
import { createAppKey } from "@/lib/apps/keys";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { postUsage } from "./usage";

// DEBIT_GROUPING=off: each single call of the metering API is its own transaction (no group
// commit); the answers and the money are the same as with grouping on. The configuration is
// read once per process, so this file sets it before anything reads it.
process.env.DEBIT_GROUPING = "off";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const now = new Date("2026-02-10T12:00:00.000Z");

describe("DEBIT_GROUPING=off", () => {
  it("20 calls at once: each charged alone, in a transaction of its own, all answered 201", async () => {
    const owner = await makeUser(h.db, "Owner", new Date("2026-01-01T00:00:00Z"));
    const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2026-01-31T10:00:00.000Z") });
    await makeSeat(h.db, ws, "starter", owner.id);
    const app = await makeApp(h.db, ws, owner, "Ungrouped");
    const { key } = await createAppKey(h.db, app.id, owner.id, now);
    const call = (i: number) =>
      postUsage(h.db, new Request("http://localhost/api/v1/usage", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "idempotency-key": `off-${i}` }, body: JSON.stringify({ action: "integration.llm" }) }), now);
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => call(i).then((r) => r.status)));
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 201));
    const [r] = rowsOf<{ n: number; rows: number }>(await h.db.execute(sql`select count(distinct xmin::text)::int as n, count(*)::int as rows from ${creditLedger} where ${creditLedger.appId} = ${app.id} and ${creditLedger.outcome} = 'charged'`));
    // Grouping on puts calls that arrive together into one transaction (group-commit.test.ts: 2 for 60).
    expect(r).toEqual({ n: 20, rows: 20 });
    expect(await h.db.$count(creditLedger, eq(creditLedger.appId, app.id))).toBe(20);
  });
});
