// @pooler: the pooled driver sends no session settings (no session statement_timeout), and deadlines must still hold (CI runs this file again through PgBouncer)
import { request } from "node:http";
import { count, eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountUsage, creditLedger } from "@/db/schema";
import { createAppKey } from "@/lib/apps/keys";
import { findUsageMismatches } from "@/lib/credits/check";
import { debitCredits } from "@/lib/credits/debit";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { freshDatabase, postUsage, startServer, type AppServer } from "@/tests/support/server";

// A 503 means nothing was charged: a charge that cannot finish before the API's deadline is
// abandoned in the database, whether it waited on a lock or on a slowly dripped body.
const DEADLINE_MS = 1_500;

let db: Awaited<ReturnType<typeof freshDatabase>>;
let server: AppServer;
let fixture: { key: string; appId: string; seatId: string };

beforeAll(async () => {
  db = await freshDatabase();
  server = await startServer(db.url, 3714, { API_DEADLINE_MS: String(DEADLINE_MS) });
  const now = new Date();
  const owner = await makeUser(db.handle.db, "Owner", new Date(now.getTime() - 40 * 86_400_000));
  const ws = await makeWorkspace(db.handle.db, owner, { billingAnchor: new Date(now.getTime() - 3 * 86_400_000) });
  const seat = await makeSeat(db.handle.db, ws, "starter", owner.id);
  const app = await makeApp(db.handle.db, ws, owner);
  // A first charge creates this cycle's usage row, which the test then locks.
  await debitCredits(db.handle.db, { key: `prep:${app.id}`, action: "integration.llm", workspaceId: ws.id, actorUserId: null, appId: app.id }, now);
  const { key } = await createAppKey(db.handle.db, app.id, owner.id, now);
  fixture = { key, appId: app.id, seatId: seat.id };
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const ledgerRows = async (idempotencyKey: string) =>
  (await db.handle.db.select({ n: count() }).from(creditLedger).where(eq(creditLedger.idempotencyKey, `app:${fixture.appId}:${idempotencyKey}`)))[0]!.n;
const used = async () => (await db.handle.db.select({ used: accountUsage.integrationUsed }).from(accountUsage).where(eq(accountUsage.accountId, fixture.seatId)))[0]!.used;

describe("deadlines", () => {
  it("a charge stuck behind a lock held past the deadline answers 503 and is never charged, even after the lock is released", async () => {
    const holder = postgres(db.url, { max: 1, onnotice: () => {} });
    const before = await used();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const holding = holder.begin(async (tx) => {
      await tx`select * from account_usage where account_id = ${fixture.seatId} for update`;
      await released;
    });
    try {
      const started = Date.now();
      const res = await postUsage(server.base, fixture.key, "stuck-1", { action: "integration.email" });
      const waited = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("service_unavailable");
      expect(waited).toBeLessThan(DEADLINE_MS + 4_000);
    } finally {
      release();
      await holding;
      await holder.end();
    }
    // The statement that waited for the lock re-checks its deadline when it gets the row and
    // takes nothing. (Nothing to wait for here: give it a second to do the wrong thing.)
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ledgerRows("stuck-1")).toBe(0);
    expect(await used()).toBe(before);
    // A retry with the same key is charged, once.
    expect((await postUsage(server.base, fixture.key, "stuck-1", { action: "integration.email" })).status).toBe(201);
    expect((await postUsage(server.base, fixture.key, "stuck-1", { action: "integration.email" })).status).toBe(200);
    expect(await ledgerRows("stuck-1")).toBe(1);
    expect(await used()).toBe(before + 1000);
    expect(await findUsageMismatches(db.handle.db)).toEqual([]);
  });

  it("a body dripped past the deadline answers 503 and is never charged", async () => {
    const before = await used();
    const url = new URL(`${server.base}/api/v1/usage`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { authorization: `Bearer ${fixture.key}`, "idempotency-key": "drip-1", "content-type": "application/json" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write('{"action":');
      setTimeout(() => req.end('"integration.email"}'), DEADLINE_MS + 500);
    });
    expect(status).toBe(503);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ledgerRows("drip-1")).toBe(0);
    expect(await used()).toBe(before);
  });
});
