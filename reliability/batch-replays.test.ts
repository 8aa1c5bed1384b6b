// @pooler: the set-based batch and grouped single calls, unprepared (CI runs this file again through PgBouncer)
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountUsage, creditLedger } from "@/db/schema";
import { createAppKey } from "@/lib/apps/keys";
import { findLotMismatches, findRollupMismatches, findUsageMismatches } from "@/lib/credits/check";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { freshDatabase, postUsage, startServer, type AppServer } from "@/tests/support/server";

// The same 100-event batch sent 20 times at once to two app processes, while single calls
// (grouped by each process) hit the same payer: every event is charged once, every copy of
// the batch answers with the same events, and the totals agree with the ledger.

let db: Awaited<ReturnType<typeof freshDatabase>>;
let servers: AppServer[];

beforeAll(async () => {
  db = await freshDatabase();
  servers = await Promise.all([startServer(db.url, 3717), startServer(db.url, 3718)]);
});
afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await db?.drop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are asserted field by field
type Json = Record<string, any>;
const MAX_TRIES = 20;
const pause = (t: number) => new Promise((r) => setTimeout(r, 50 * t));

describe("one batch replayed 20× at once across two processes, with single calls on the same payer", () => {
  it("charges each event once; every copy answers with the same events; the usage row agrees", async () => {
    const d = db.handle.db;
    const now = new Date();
    const owner = await makeUser(d, "Owner", new Date(now.getTime() - 40 * 86_400_000));
    const ws = await makeWorkspace(d, owner, { billingAnchor: new Date(now.getTime() - 3 * 86_400_000) });
    const seat = await makeSeat(d, ws, "starter", owner.id); // 2,000 integration credits
    const app = await makeApp(d, ws, owner, "Storefront");
    const key = (await createAppKey(d, app.id, owner.id, now)).key;

    const events = Array.from({ length: 100 }, (_, i) => ({ idempotencyKey: `b-${i}`, action: "integration.api_call", quantity: 2 }));
    // Under load a request may pass its deadline: its 503 promises nothing was charged, and it
    // is sent again with the same keys, as the API asks.
    const batch = async (n: number): Promise<Json[]> => {
      for (let t = 0; ; t++) {
        const res = await fetch(`${servers[(n + t) % 2]!.base}/api/v1/usage/batch`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ events }),
        });
        const body = (await res.json()) as Json;
        if (res.status === 200) return body.results as Json[];
        expect(res.status).toBe(503);
        if (t >= MAX_TRIES) throw new Error("a batch kept answering 503");
        await pause(t);
      }
    };
    const single = async (i: number) => {
      for (let t = 0; ; t++) {
        const r = await postUsage(servers[(i + t) % 2]!.base, key, `s-${i}`, { action: "integration.llm" });
        if (r.status !== 503 || t >= MAX_TRIES) return { key: `s-${i}`, status: r.status, id: r.body.event?.id as number | undefined };
        await pause(t);
      }
    };
    const [copies, singles] = await Promise.all([Promise.all(Array.from({ length: 20 }, (_, n) => batch(n))), Promise.all(Array.from({ length: 200 }, (_, i) => single(i)))]);

    // Each event: one 201 at most over the 20 copies (an answer lost past a deadline is read back
    // as a 200), every other copy a 200 naming the same ledger row.
    for (let i = 0; i < 100; i++) {
      const answers = copies.map((c) => c[i]!);
      expect(answers.every((a) => a.status === 200 || a.status === 201), `b-${i}: ${answers.map((a) => a.status).join(",")}`).toBe(true);
      expect(answers.filter((a) => a.status === 201).length).toBeLessThanOrEqual(1);
      expect(new Set(answers.map((a) => a.event.id)).size).toBe(1);
    }
    expect(singles.every((s) => s.status === 201)).toBe(true);

    const ledger = await d.select().from(creditLedger).where(eq(creditLedger.appId, app.id));
    expect(ledger).toHaveLength(300);
    expect(new Set(ledger.map((r) => r.idempotencyKey)).size).toBe(300);
    expect(ledger.every((r) => r.outcome === "charged")).toBe(true);
    const byKey = new Map(ledger.map((r) => [r.idempotencyKey.replace(/^app:[0-9a-f-]+:/, ""), r.id]));
    for (let i = 0; i < 100; i++) expect(copies[0]![i]!.event.id).toBe(byKey.get(`b-${i}`));
    for (const s of singles) expect(s.id).toBe(byKey.get(s.key));

    const [usage] = await d.select().from(accountUsage).where(eq(accountUsage.accountId, seat.id));
    expect(usage!.integrationUsed).toBe((100 * 2 + 200) * 1000);
    expect(await findUsageMismatches(d)).toEqual([]);
    expect(await findLotMismatches(d)).toEqual([]);
    expect(await findRollupMismatches(d)).toEqual([]);
  });
});
