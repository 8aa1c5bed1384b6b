import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountUsage, creditLedger, topUpLots } from "@/db/schema";
import { createAppKey } from "@/lib/apps/keys";
import { findLotMismatches, findRollupMismatches, findUsageMismatches } from "@/lib/credits/check";
import { grantTopUp } from "@/lib/billing/top-ups/settings";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { freshDatabase, postUsage, startServer, type AppServer } from "@/tests/support/server";

// Single-event and batched debits at once, with replays, through two app processes on one
// PostgreSQL: both endpoints share the engine path, so the ledger must not be able to tell
// which way an event came, and no credit is lost, minted or spent twice.

let db: Awaited<ReturnType<typeof freshDatabase>>;
let servers: AppServer[];

beforeAll(async () => {
  db = await freshDatabase();
  servers = await Promise.all([startServer(db.url, 3715), startServer(db.url, 3716)]);
});
afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await db?.drop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are asserted field by field
type Json = Record<string, any>;

async function postBatch(base: string, key: string, events: { idempotencyKey: string; action: string; quantity: number }[]) {
  const res = await fetch(`${base}/api/v1/usage/batch`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

describe("1,000 debits at once, single and batched, with replays, across two processes", () => {
  it("charges exactly what fits, each key once, and answers every replay with the first result", async () => {
    const d = db.handle.db;
    const now = new Date();
    const owner = await makeUser(d, "Owner", new Date(now.getTime() - 40 * 86_400_000));
    const ws = await makeWorkspace(d, owner, { billingAnchor: new Date(now.getTime() - 3 * 86_400_000) });
    const seat = await makeSeat(d, ws, "starter", owner.id); // 2,000 integration credits
    await grantTopUp(d, { seatId: seat.id, kind: "integration", credits: 300_000, reason: "test" }, now); // and 300 more
    const apps = [await makeApp(d, ws, owner, "One"), await makeApp(d, ws, owner, "Two")];
    const keys = await Promise.all(apps.map(async (a) => (await createAppKey(d, a.id, owner.id, now)).key));

    // 1,000 distinct events of 3 credits (3,000 asked of 2,300): 500 sent one by one, 500 in
    // 50 batches of 10. Then replays: 150 single events sent again, 20 batched events sent
    // again as single calls, and 5 whole batches sent again, each to the other process.
    const event = (i: number) => ({ idempotencyKey: `m-${i}`, action: "integration.api_call", quantity: 3 });
    const app = (i: number) => Math.floor(i / 10) % 2; // a key always from one app; a batch's ten from one
    const server = (n: number) => servers[n % 2]!.base;
    type Answer = { key: string; status: number; eventId?: number };
    // Under load a request may pass its deadline: a 503 (a whole one, or an event's own in a
    // batch) promises nothing was charged for it, and the caller sends it again with the same
    // key, as the API asks. The final answer of each event is what is asserted.
    const MAX_TRIES = 20;
    const pause = (t: number) => new Promise((r) => setTimeout(r, 50 * t));
    const single = async (i: number, n: number): Promise<Answer[]> => {
      const { idempotencyKey, ...body } = event(i);
      for (let t = 0; ; t++) {
        const r = await postUsage(server(n + t), keys[app(i)]!, idempotencyKey, body);
        if (r.status !== 503 || t >= MAX_TRIES) return [{ key: idempotencyKey, status: r.status, eventId: r.body.event?.id }];
        await pause(t);
      }
    };
    const batch = async (b: number, n: number): Promise<Answer[]> => {
      let pending = Array.from({ length: 10 }, (_, j) => 500 + b * 10 + j);
      const answers = new Map<number, Answer>();
      for (let t = 0; pending.length > 0; t++) {
        const r = await postBatch(server(n + t), keys[app(500 + b * 10)]!, pending.map(event));
        const results: Json[] = r.status === 503 && t < MAX_TRIES ? pending.map(() => ({ status: 503 })) : (expect(r.status).toBe(200), r.body.results as Json[]);
        results.forEach((x, j) => answers.set(pending[j]!, { key: event(pending[j]!).idempotencyKey, status: x.status, eventId: x.event?.id }));
        pending = pending.filter((_, j) => results[j]!.status === 503 && t < MAX_TRIES);
        if (pending.length > 0) await pause(t);
      }
      return [...answers.keys()].sort((x, y) => x - y).map((k) => answers.get(k)!);
    };
    const sends: Promise<Answer[]>[] = [];
    for (let i = 0; i < 500; i++) sends.push(single(i, i));
    for (let b = 0; b < 50; b++) sends.push(batch(b, b));
    for (let i = 0; i < 150; i++) sends.push(single(i * 3, i * 3 + 1));
    for (let j = 0; j < 20; j++) sends.push(single(500 + j * 25, j));
    for (let b = 0; b < 5; b++) sends.push(batch(b * 7, b * 7 + 1));
    const answers = (await Promise.all(sends)).flat();
    expect(answers).toHaveLength(500 + 500 + 150 + 20 + 50);

    // Every answer is a decision: charged (201), its replay (200), or refused for credits (402).
    const byStatus = answers.reduce<Record<number, number>>((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {});
    expect(Object.keys(byStatus).every((s) => ["200", "201", "402"].includes(s))).toBe(true);

    // Exactly what fits: 2,300 credits hold 766 charges of 3 (2 credits left, less than one).
    const ledger = await d.select().from(creditLedger).where(inArray(creditLedger.appId, apps.map((a) => a.id)));
    const charged = ledger.filter((r) => r.outcome === "charged");
    expect(charged).toHaveLength(766);
    expect(ledger.filter((r) => r.outcome === "refused")).toHaveLength(1000 - 766);
    expect(new Set(ledger.map((r) => r.idempotencyKey)).size).toBe(ledger.length); // each key once
    // A 201 for each charge, never two for one key. (An answer that overran its deadline is read
    // back from the ledger and says 200, a replay of the same event: so at most 766.)
    const created = answers.filter((a) => a.status === 201);
    expect(new Set(created.map((a) => a.key)).size).toBe(created.length);
    expect(created.length).toBeLessThanOrEqual(766);
    const answeredAsCharged = new Set(answers.filter((a) => a.status === 201 || a.status === 200).map((a) => a.key));
    expect(charged.filter((r) => !answeredAsCharged.has(r.idempotencyKey.replace(/^app:[0-9a-f-]+:/, "")))).toEqual([]); // every charge was answered as one

    // Every 201 is in the ledger, as a charge, under its key; every replay names the same event.
    // The ledger keeps a key under its app (`app:<id>:<key>`): keys are the app's own.
    const byKey = new Map(ledger.map((r) => [r.idempotencyKey.replace(/^app:[0-9a-f-]+:/, ""), r]));
    for (const a of answers) {
      const row = byKey.get(a.key)!;
      expect(row).toBeDefined();
      if (a.status === 201 || a.status === 200) expect({ key: a.key, id: a.eventId, outcome: row.outcome }).toEqual({ key: a.key, id: row.id, outcome: "charged" });
      if (a.status === 402) expect({ key: a.key, outcome: row.outcome }).toEqual({ key: a.key, outcome: "refused" });
    }

    // Nothing overdrawn, nothing lost: allowance spent whole, lot used to its last credit but 2.
    const [usage] = await d.select().from(accountUsage).where(eq(accountUsage.accountId, seat.id));
    const [lot] = await d.select().from(topUpLots).where(and(eq(topUpLots.accountId, seat.id), eq(topUpLots.kind, "integration")));
    expect(usage!.integrationUsed + lot!.used).toBe(766 * 3000);
    expect(usage!.integrationUsed).toBeLessThanOrEqual(usage!.integrationAllowance);
    expect(lot!.used).toBeLessThanOrEqual(lot!.credits);
    expect(await findUsageMismatches(d)).toEqual([]);
    expect(await findLotMismatches(d)).toEqual([]);
    expect(await findRollupMismatches(d)).toEqual([]);
  });
});
