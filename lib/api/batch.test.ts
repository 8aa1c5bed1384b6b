import { count, eq, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { creditLedger } from "@/db/schema";
import { createAppKey } from "@/lib/apps/keys";
import { getAppOwnerBalance } from "@/lib/credits/balance";
import { COSTS } from "@/lib/credits/costs";
import { makeApp, makeSeat, makeUser, makeWorkspace, writableRowCounts } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { answerFromLedger, postUsageBatch, type MeteringProgress } from "./usage";

let h: DbHandle & { cleanup(): Promise<void> };
let key: string;
let appId: string;
const now = new Date("2026-02-10T12:00:00.000Z");

beforeAll(async () => {
  h = await createTestDb();
  const owner = await makeUser(h.db, "Owner", new Date("2026-01-01T00:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2026-01-31T10:00:00.000Z") });
  await makeSeat(h.db, ws, "starter", owner.id); // 2,000 integration credits
  const app = await makeApp(h.db, ws, owner, "Storefront");
  appId = app.id;
  key = (await createAppKey(h.db, app.id, owner.id, now)).key;
});
afterAll(async () => h?.cleanup());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are asserted field by field
type Json = Record<string, any>;
const dialect = new PgDialect();
async function batch(body: unknown, opts: { raw?: string; deadline?: Date } = {}) {
  const req = new Request("http://localhost/api/v1/usage/batch", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: opts.raw ?? JSON.stringify(body),
  });
  const res = await postUsageBatch(h.db, req, now, opts.deadline);
  return { status: res.status, body: (await res.json()) as Json };
}

describe("POST /api/v1/usage/batch", () => {
  it("charges each event on its own, in order: charged, replayed, invalid, conflicting and refused side by side", async () => {
    const { status, body } = await batch({
      events: [
        { idempotencyKey: "b-1", action: "integration.llm", quantity: 3 },
        { idempotencyKey: "b-2", action: "integration.email_custom_domain" },
        { idempotencyKey: "b-1", action: "integration.llm", quantity: 3 },
        { idempotencyKey: "b-3", action: "message.discuss" },
        { idempotencyKey: "b-1", action: "integration.image" },
        { idempotencyKey: "b-4", action: "integration.llm", quantity: 5000 },
        { idempotencyKey: "b-5", action: "integration.api_call" },
      ],
    });
    expect(status).toBe(200);
    expect(body.results.map((r: Json) => r.status)).toEqual([201, 201, 200, 400, 409, 402, 201]);
    expect(body.results[0].event).toMatchObject({ amount: 3, outcome: "charged" });
    expect(body.results[2].event.id).toBe(body.results[0].event.id);
    expect(body.results[3].error.code).toBe("invalid_request");
    expect(body.results[5].error).toMatchObject({ code: "insufficient_credits", help: "top_up_or_upgrade" });
    expect(body.balance).toMatchObject({ allowance: 2000, used: 6, remaining: 1994, available: 1994 });
    const [n] = await h.db.select({ n: count() }).from(creditLedger).where(eq(creditLedger.appId, appId));
    expect(n!.n).toBe(4); // three charges and the refusal, nothing for the replay, the invalid or the conflict
  });

  it("refuses a bad envelope whole, writing nothing", async () => {
    const before = await writableRowCounts(h.db);
    for (const [body, expected] of [
      [{ events: [] }, 400],
      [{ events: Array.from({ length: 101 }, (_, i) => ({ idempotencyKey: `x-${i}`, action: "integration.llm" })) }, 400],
      [{ events: "no" }, 400],
      [{ events: [{ idempotencyKey: "y", action: "integration.llm" }], extra: 1 }, 400],
    ] as const) {
      expect((await batch(body)).status).toBe(expected);
    }
    expect((await batch(null, { raw: JSON.stringify({ events: [{ idempotencyKey: "z".repeat(300_000), action: "integration.llm" }] }) })).status).toBe(413);
    expect(await writableRowCounts(h.db)).toEqual(before);
  });
});

describe("a batch that runs out of time", () => {
  it("is charged in one transaction: past the deadline when its rows go in, nothing of it is charged (a whole 503), and a retry with the same keys charges each once", async () => {
    const events = Array.from({ length: 5 }, (_, i) => ({ idempotencyKey: `late-${i}`, action: "integration.api_call" }));
    const rows = async () => (await h.db.select().from(creditLedger).where(eq(creditLedger.appId, appId))).filter((r) => r.idempotencyKey.includes(":late-"));
    const usedBefore = (await getAppOwnerBalance(h.db, appId, now)).integration.used;
    // The clock passes the deadline as the batch's ledger rows are written, inside its transaction:
    // the statement or the check before COMMIT refuses it, and the transaction rolls back whole.
    let late = false;
    const realNow = Date.now.bind(Date);
    const clock = vi.spyOn(Date, "now").mockImplementation(() => (late ? realNow() + 3_600_000 : realNow()));
    const transaction = h.db.transaction.bind(h.db);
    const spy = vi.spyOn(h.db, "transaction").mockImplementation(((work: (tx: typeof h.db) => Promise<unknown>, config?: unknown) =>
      transaction(async (tx) => {
        const execute = tx.execute.bind(tx);
        tx.execute = ((query: SQL) => {
          if (dialect.sqlToQuery(query).sql.includes('insert into "credit_ledger"')) late = true;
          return execute(query);
        }) as typeof tx.execute;
        return work(tx as typeof h.db);
      }, config as never)) as typeof h.db.transaction);
    let first: { status: number; body: Json };
    try {
      first = await batch({ events }, { deadline: new Date(realNow() + 60_000) });
    } finally {
      clock.mockRestore();
      spy.mockRestore();
    }
    expect(late).toBe(true);
    expect(first.status, JSON.stringify(first.body).slice(0, 600)).toBe(503);
    expect(await rows()).toHaveLength(0);
    expect((await getAppOwnerBalance(h.db, appId, now)).integration.used).toBe(usedBefore);
    const again = await batch({ events });
    expect(again.body.results.map((r: Json) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(await rows()).toHaveLength(5);
    expect((await getAppOwnerBalance(h.db, appId, now)).integration.used).toBe(usedBefore + 5 * COSTS["integration.api_call"].unit);
    const replayed = await batch({ events });
    expect(replayed.body.results.map((r: Json) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await rows()).toHaveLength(5);
  });

  it("past the backstop, the answer comes from the ledger: charged events as their first result, the rest 503", async () => {
    const events = [
      { idempotencyKey: "truth-0", action: "integration.api_call" },
      { idempotencyKey: "truth-1", action: "integration.api_call" },
      { idempotencyKey: "truth-2", action: "integration.nope" },
      { idempotencyKey: "truth-3", action: "integration.api_call" },
    ];
    // An earlier request charged the first two; this one ran out of time before charging anything.
    expect((await batch({ events: events.slice(0, 2) })).body.results.map((r: Json) => r.status)).toEqual([201, 201]);
    const progress: MeteringProgress = {};
    const req = new Request("http://localhost/api/v1/usage/batch", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ events }) });
    expect((await postUsageBatch(h.db, req, now, new Date(Date.now() - 1), progress)).status).toBe(503);
    // What the route answers if that work's answer never came back in time.
    const res = await answerFromLedger(h.db, progress);
    const body = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(body.results.map((r: Json) => r.status)).toEqual([200, 200, 400, 503]);
    expect(body.results[0].event).toMatchObject({ outcome: "charged" });
    // A single event not charged at all: the backstop's answer stays 503.
    await expect(answerFromLedger(h.db, { app: progress.app, events: [{ idempotencyKey: "never-sent", action: "integration.llm", quantity: 1 }] })).rejects.toMatchObject({ code: "DEADLINE_EXCEEDED" });
  });

  it("before anything is charged, the whole batch answers 503", async () => {
    const res = await batch({ events: [{ idempotencyKey: "never", action: "integration.llm" }] }, { deadline: new Date(Date.now() - 1) });
    expect(res.status).toBe(503);
    const [n] = await h.db.select({ n: count() }).from(creditLedger).where(eq(creditLedger.idempotencyKey, `app:${appId}:never`));
    expect(n!.n).toBe(0);
  });
});
