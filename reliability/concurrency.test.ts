// @pooler: racing debits from many connections, each transaction on whichever server connection the pooler gives (CI runs this file again through PgBouncer)
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountUsage, creditLedger } from "@/db/schema";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createAppKey } from "@/lib/apps/keys";
import { findUsageMismatches } from "@/lib/credits/check";
import { debitCredits } from "@/lib/credits/debit";
import { freshDatabase, postUsage, startServer, type AppServer } from "@/tests/support/server";

let db: Awaited<ReturnType<typeof freshDatabase>>;
let server: AppServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startServer(db.url, 3710);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** An app whose owner has exactly `left` integration credits this cycle (Starter: 2,000). */
async function appWithBalance(left: number) {
  const now = new Date();
  const owner = await makeUser(db.handle.db, "Owner", new Date(now.getTime() - 40 * 86_400_000));
  const ws = await makeWorkspace(db.handle.db, owner, { billingAnchor: new Date(now.getTime() - 3 * 86_400_000) });
  const seat = await makeSeat(db.handle.db, ws, "starter", owner.id);
  const app = await makeApp(db.handle.db, ws, owner);
  if (left < 2000) {
    await debitCredits(db.handle.db, { key: `prep:${app.id}`, action: "integration.llm", quantity: 2000 - left, workspaceId: ws.id, actorUserId: null, appId: app.id }, now);
  }
  const { key } = await createAppKey(db.handle.db, app.id, owner.id, now);
  return { key, seat, app };
}

async function charged(appId: string) {
  const [row] = await db.handle.db
    .select({ n: count() })
    .from(creditLedger)
    .where(and(eq(creditLedger.appId, appId), eq(creditLedger.outcome, "charged"), eq(creditLedger.source, "api")));
  return row!.n;
}

describe("with the server in the loop", () => {
  it("500 concurrent API debits against a balance of 300: exactly 300 charged, balance exactly 0", async () => {
    const { key, seat, app } = await appWithBalance(300);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => postUsage(server.base, key, `c-${i}`, { action: "integration.api_call" })));
    const statuses = results.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
    expect(statuses).toEqual({ 201: 300, 402: 200 });
    const [row] = await db.handle.db.select().from(accountUsage).where(eq(accountUsage.accountId, seat.id));
    expect(row!.integrationUsed).toBe(2_000_000);
    expect(row!.integrationAllowance - row!.integrationUsed - row!.integrationReserved).toBe(0);
    expect(await charged(app.id)).toBe(300);
    expect(await findUsageMismatches(db.handle.db)).toEqual([]);
  });

  it("every request sent twice with the same idempotency key, under load, is charged once", async () => {
    const { key, app } = await appWithBalance(2000);
    const n = 300;
    const sends = Array.from({ length: n }, (_, i) => i).flatMap((i) => [i, i]);
    const results = await Promise.all(sends.map((i) => postUsage(server.base, key, `r-${i}`, { action: "integration.email", quantity: 2 })));
    const statuses = results.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
    expect(statuses, JSON.stringify(results.filter((r) => r.status >= 300).slice(0, 3))).toEqual({ 200: n, 201: n });
    // The two answers of each pair are the same event.
    for (let i = 0; i < n; i++) expect(results[2 * i]!.body.event.id).toBe(results[2 * i + 1]!.body.event.id);
    expect(await charged(app.id)).toBe(n);
    const last = await postUsage(server.base, key, "after", { action: "integration.email" });
    expect(last.body.balance.used).toBe(2 * n + 1);
    expect(await findUsageMismatches(db.handle.db)).toEqual([]);
  });
});
