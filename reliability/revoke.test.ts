// @pooler: the key row's FOR SHARE lock held inside a pooled transaction (CI runs this file again through PgBouncer)
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditLedger } from "@/db/schema";
import { createAppKey, revokeAppKey } from "@/lib/apps/keys";
import { findUsageMismatches } from "@/lib/credits/check";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { freshDatabase, postUsage, startServer, type AppServer } from "@/tests/support/server";

// Two app processes remember the key (each caches its lookup, and groups the calls of one app)
// while calls keep coming; the key is revoked. From the moment the revoke has committed, no
// call is charged, in either process: the charge itself locks the key's row and refuses it.

let db: Awaited<ReturnType<typeof freshDatabase>>;
let servers: AppServer[];

beforeAll(async () => {
  db = await freshDatabase();
  servers = await Promise.all([startServer(db.url, 3719), startServer(db.url, 3720)]);
});
afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await db?.drop();
});

describe("a key revoked while two processes use it", () => {
  it("no call that starts after the revoke has committed is charged; every charge was answered", async () => {
    const d = db.handle.db;
    const now = new Date();
    const owner = await makeUser(d, "Owner", new Date(now.getTime() - 40 * 86_400_000));
    const ws = await makeWorkspace(d, owner, { billingAnchor: new Date(now.getTime() - 3 * 86_400_000) });
    await makeSeat(d, ws, "starter", owner.id); // 2,000 integration credits: enough for all
    const app = await makeApp(d, ws, owner, "Leaky");
    const { key, id } = await createAppKey(d, app.id, owner.id, now);

    type Call = { key: string; startedAt: number; status: number };
    const calls: Call[] = [];
    let revokedAt = Infinity;
    let n = 0;
    let stop = false;
    const loop = async (lane: number) => {
      while (!stop) {
        const k = `r-${lane}-${n++}`;
        const startedAt = performance.now();
        const r = await postUsage(servers[lane % 2]!.base, key, k, { action: "integration.llm" });
        calls.push({ key: k, startedAt, status: r.status });
      }
    };
    const lanes = Array.from({ length: 12 }, (_, i) => loop(i));
    // Both processes have charged with the key (and remember it) before it is revoked.
    while (calls.filter((c) => c.status === 201).length < 60) await new Promise((r) => setTimeout(r, 20));
    await revokeAppKey(d, { keyId: id, byUserId: owner.id }, new Date());
    revokedAt = performance.now();
    const after = () => calls.filter((c) => c.startedAt > revokedAt).length;
    while (after() < 60) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(lanes);

    const late = calls.filter((c) => c.startedAt > revokedAt);
    expect(late.length).toBeGreaterThanOrEqual(60);
    expect(late.filter((c) => c.status !== 401)).toEqual([]);
    const ledger = await d.select({ key: creditLedger.idempotencyKey, outcome: creditLedger.outcome }).from(creditLedger).where(eq(creditLedger.appId, app.id));
    const inLedger = new Set(ledger.map((r) => r.key.replace(/^app:[0-9a-f-]+:/, "")));
    // Every 201 is a charge in the ledger, and every charge was answered 201 (nothing charged silently).
    const created = calls.filter((c) => c.status === 201).map((c) => c.key);
    expect(ledger.every((r) => r.outcome === "charged")).toBe(true);
    expect([...inLedger].sort()).toEqual([...created].sort());
    expect(late.some((c) => inLedger.has(c.key))).toBe(false);
    expect(await findUsageMismatches(d)).toEqual([]);
  });
});
