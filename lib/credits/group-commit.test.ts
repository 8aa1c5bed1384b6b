// @pooler: grouped charges share one transaction on a pooled connection (CI runs this file again through PgBouncer)
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { accountUsage, creditLedger } from "@/db/schema";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { rowsOf } from "@/db/client";
import { getAppPayer } from "./accounts";
import { credits } from "./amounts";
import type { DebitInput, DebitResult } from "./debit";
import { debitGrouped } from "./group-commit";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const now = new Date("2026-07-20T12:00:00.000Z");

async function world() {
  const owner = await makeUser(h.db, "Owner", new Date("2026-06-01T00:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2026-07-05T09:00:00.000Z") });
  const seat = await makeSeat(h.db, ws, "starter", owner.id); // 2,000 integration credits
  const app = await makeApp(h.db, ws, owner, "Storefront");
  const { account, app: fresh } = await getAppPayer(h.db, app.id);
  const input = (key: string, quantity: number): DebitInput => ({ key: `app:${app.id}:${key}`, action: "integration.llm", quantity, workspaceId: ws.id, actorUserId: null, appId: app.id, source: "api", payer: account, appCap: fresh.integrationCap });
  return { seat, app, input };
}

type Told = { outcome: DebitResult["outcome"]; replay: boolean } | { error: string };
const told = (p: Promise<DebitResult>): Promise<Told> => p.then((r) => ({ outcome: r.outcome, replay: r.replay }), (e: { code?: string }) => ({ error: e.code ?? String(e) }));

describe("group commit of single charges", () => {
  it("charges that arrive while one is being written go together in one transaction, each answered as if alone", async () => {
    const w = await world();
    // 60 calls at once: 50 distinct keys of 30 credits (1,500 of 2,000 fit: 50), 5 sent twice,
    // and 5 reusing a key with another quantity.
    const calls: Promise<Told>[] = [];
    for (let i = 0; i < 50; i++) calls.push(told(debitGrouped(h.db, w.input(`k${i}`, 30), now)));
    for (let i = 0; i < 5; i++) calls.push(told(debitGrouped(h.db, w.input(`k${i}`, 30), now)));
    for (let i = 5; i < 10; i++) calls.push(told(debitGrouped(h.db, w.input(`k${i}`, 31), now)));
    const answers = await Promise.all(calls);
    expect(answers.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => ({ outcome: "charged", replay: false })));
    expect(answers.slice(50, 55)).toEqual(Array.from({ length: 5 }, () => ({ outcome: "charged", replay: true })));
    expect(answers.slice(55)).toEqual(Array.from({ length: 5 }, () => ({ error: "idempotency_conflict" })));

    const [usage] = await h.db.select({ used: accountUsage.integrationUsed }).from(accountUsage).where(eq(accountUsage.accountId, w.seat.id));
    expect(usage!.used).toBe(credits(50 * 30));
    // The first went alone; the 59 that came while it was written went as one group: two
    // transactions wrote the 50 rows.
    const result = await h.db.execute(sql`select count(distinct xmin::text)::int as n, count(*)::int as rows from ${creditLedger} where ${creditLedger.appId} = ${w.app.id}`);
    expect(rowsOf<{ n: number; rows: number }>(result)[0]).toEqual({ n: 2, rows: 50 });
  });

  it("past what fits, each grouped charge is refused on its own, the rest charged in order", async () => {
    const w = await world();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => told(debitGrouped(h.db, w.input(`big${i}`, 300), now))));
    // 2,000 credits hold six charges of 300.
    expect(answers.filter((a) => "outcome" in a && a.outcome === "charged")).toHaveLength(6);
    expect(answers.slice(6)).toEqual(Array.from({ length: 6 }, () => ({ outcome: "refused", replay: false })));
  });
});
