import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { makeApp, makeSeat, makeUser, makeWorkspace, writableRowCounts } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { eq } from "drizzle-orm";
import { appKeys, apps } from "@/db/schema";
import { createAppKey } from "@/lib/apps/keys";
import { grantTopUp } from "@/lib/billing/top-ups/settings";
import { getBalanceForAppKey, postUsage, postUsageBatch } from "./usage";

let h: DbHandle & { cleanup(): Promise<void> };
let key: string;
let otherKey: string;
const now = new Date("2026-02-10T12:00:00.000Z");

beforeAll(async () => {
  h = await createTestDb();
  const owner = await makeUser(h.db, "Owner", new Date("2026-01-01T00:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2026-01-31T10:00:00.000Z") });
  await makeSeat(h.db, ws, "starter", owner.id); // 2,000 integration credits
  const app = await makeApp(h.db, ws, owner, "Storefront");
  key = (await createAppKey(h.db, app.id, owner.id, now)).key;
  const other = await makeUser(h.db, "Other", new Date("2026-01-01T00:00:00Z"));
  const ws2 = await makeWorkspace(h.db, other, {});
  otherKey = (await createAppKey(h.db, (await makeApp(h.db, ws2, other, "Elsewhere")).id, other.id, now)).key;
});
afterAll(async () => h?.cleanup());

let n = 0;
function usage(body: unknown, opts: { key?: string | null; idem?: string | null; type?: string; raw?: string } = {}) {
  const headers: Record<string, string> = { "content-type": opts.type ?? "application/json" };
  const k = opts.key === undefined ? key : opts.key;
  if (k !== null) headers.authorization = `Bearer ${k}`;
  const idem = opts.idem === undefined ? `idem-${++n}` : opts.idem;
  if (idem !== null) headers["idempotency-key"] = idem;
  return new Request("http://localhost/api/v1/usage", { method: "POST", headers, body: opts.raw ?? JSON.stringify(body) });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are asserted field by field
type Json = Record<string, any>;

async function call(req: Request, at = now) {
  const res = await postUsage(h.db, req, at);
  return { status: res.status, body: (await res.json()) as Json };
}

describe("POST /api/v1/usage", () => {
  it("charges the app owner's integration credits: 201 with the event and the balance", async () => {
    const { status, body } = await call(usage({ action: "integration.email_custom_domain", quantity: 3 }));
    expect(status).toBe(201);
    expect(body.event).toMatchObject({ action: "integration.email_custom_domain", quantity: 3, amount: 6, kind: "integration", outcome: "charged" });
    expect(body.balance).toEqual({
      allowance: 2000,
      used: 6,
      remaining: 1994,
      cycleStart: "2026-01-31T10:00:00.000Z",
      cycleEnd: "2026-02-28T10:00:00.000Z",
      topUp: { remaining: 0, nextExpiresAt: null },
      available: 1994,
    });
  });

  it("quantity defaults to 1", async () => {
    const { status, body } = await call(usage({ action: "integration.llm" }));
    expect(status).toBe(201);
    expect(body.event.amount).toBe(1);
  });

  it("a replay returns the same body with 200 and charges nothing", async () => {
    const first = await call(usage({ action: "integration.image", quantity: 2 }, { idem: "replay-me" }));
    const again = await call(usage({ action: "integration.image", quantity: 2 }, { idem: "replay-me" }), new Date(now.getTime() + 5000));
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const balance = await (await getBalanceForAppKey(h.db, new Request("http://x", { headers: { authorization: `Bearer ${key}` } }), now)).json();
    expect(balance.integration.used).toBe(first.body.balance.used);
  });

  it("409 for the same key with another body, writing nothing", async () => {
    await call(usage({ action: "integration.image", quantity: 2 }, { idem: "reuse" }));
    const before = await writableRowCounts(h.db);
    const { status, body } = await call(usage({ action: "integration.image", quantity: 3 }, { idem: "reuse" }));
    expect(status).toBe(409);
    expect(body.error.code).toBe("idempotency_conflict");
    expect(await writableRowCounts(h.db)).toEqual(before);
  });

  it("402 with the balance and the reset time when the owner is out of credits, and never overdraws", async () => {
    const { body: b } = await call(usage({ action: "integration.llm" }));
    const left = b.balance.remaining as number;
    expect((await call(usage({ action: "integration.llm", quantity: left }))).status).toBe(201);
    const { status, body } = await call(usage({ action: "integration.llm" }));
    expect(status).toBe(402);
    expect(body.error).toMatchObject({
      code: "insufficient_credits",
      kind: "integration",
      balance: { allowance: 2000, used: 2000, remaining: 0, topUp: { remaining: 0 }, available: 0 },
      resetsAt: "2026-02-28T10:00:00.000Z",
      help: "top_up_or_upgrade",
    });
    expect(body.error.message).toMatch(/0 integration credits available/);
  });
});

describe("POST /api/v1/usage with top-ups and caps", () => {
  async function freshApp(cap: number | null) {
    const owner = await makeUser(h.db, "Capped", new Date("2026-01-01T00:00:00Z"));
    const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2026-01-31T10:00:00.000Z") });
    const seat = await makeSeat(h.db, ws, "starter", owner.id);
    const app = await makeApp(h.db, ws, owner, "Capped app");
    if (cap !== null) await h.db.update(apps).set({ integrationCap: cap }).where(eq(apps.id, app.id));
    return { seat, key: (await createAppKey(h.db, app.id, owner.id, now)).key };
  }

  it("the balance carries top-up remaining, its next expiry, and what is available in all", async () => {
    const { seat, key: k } = await freshApp(null);
    await grantTopUp(h.db, { seatId: seat.id, kind: "integration", credits: 500_000, reason: "test" }, new Date("2026-02-01T00:00:00.000Z"));
    const { status, body } = await call(usage({ action: "integration.llm", quantity: 1998 }, { key: k }));
    expect(status).toBe(201);
    expect(body.balance).toMatchObject({ remaining: 2, topUp: { remaining: 500, nextExpiresAt: "2027-02-01T00:00:00.000Z" }, available: 502 });
    // The same answer from the one-statement path (the usage row exists now).
    const fast = await call(usage({ action: "integration.llm" }, { key: k, idem: "fast-once" }));
    expect(fast.body.balance).toMatchObject({ remaining: 1, topUp: { remaining: 500, nextExpiresAt: "2027-02-01T00:00:00.000Z" }, available: 501 });
    // A replay answers the very same body, top-up expiry included.
    const replay = await call(usage({ action: "integration.llm" }, { key: k, idem: "fast-once" }));
    expect(replay).toEqual({ status: 200, body: fast.body });
    const spanning = await call(usage({ action: "integration.llm", quantity: 3 }, { key: k }));
    expect(spanning.body.balance).toMatchObject({ remaining: 0, topUp: { remaining: 498 }, available: 498 });
  });

  it("an app past its cap gets 402 app_cap_reached, saying the cap is what stops it", async () => {
    const { key: k } = await freshApp(5_000);
    expect((await call(usage({ action: "integration.llm", quantity: 5 }, { key: k }))).status).toBe(201);
    const { status, body } = await call(usage({ action: "integration.llm" }, { key: k }));
    expect(status).toBe(402);
    expect(body.error).toMatchObject({ code: "app_cap_reached", help: "raise_app_cap", balance: { remaining: 1995 } });
    expect(body.error.message).toMatch(/cap its owner set/);
  });
});

describe("POST /api/v1/usage refuses bad requests and writes nothing", () => {
  const cases: [string, () => Request, number, string][] = [
    ["no key", () => usage({ action: "integration.llm" }, { key: null }), 401, "unauthorized"],
    ["a wrong key", () => usage({ action: "integration.llm" }, { key: "ck_not-a-real-key" }), 401, "unauthorized"],
    ["a malformed Authorization", () => new Request("http://x", { method: "POST", headers: { authorization: "Basic abc", "content-type": "application/json", "idempotency-key": "x" }, body: "{}" }), 401, "unauthorized"],
    ["no Idempotency-Key", () => usage({ action: "integration.llm" }, { idem: null }), 400, "missing_idempotency_key"],
    ["a too-long Idempotency-Key", () => usage({ action: "integration.llm" }, { idem: "k".repeat(201) }), 400, "invalid_idempotency_key"],
    ["not JSON", () => usage(null, { type: "text/plain", raw: "action=integration.llm" }), 415, "unsupported_media_type"],
    ["malformed JSON", () => usage(null, { raw: '{"action": "integration.llm",' }), 400, "invalid_json"],
    ["an oversized body", () => usage(null, { raw: JSON.stringify({ action: "integration.llm", pad: "x".repeat(20_000) }) }), 413, "payload_too_large"],
    ["zero quantity", () => usage({ action: "integration.llm", quantity: 0 }), 400, "invalid_request"],
    ["negative quantity", () => usage({ action: "integration.llm", quantity: -1 }), 400, "invalid_request"],
    ["fractional quantity", () => usage({ action: "integration.llm", quantity: 0.5 }), 400, "invalid_request"],
    ["huge quantity", () => usage({ action: "integration.llm", quantity: 1e12 }), 400, "invalid_request"],
    ["a string quantity", () => usage({ action: "integration.llm", quantity: "2" }), 400, "invalid_request"],
    ["a null quantity", () => usage({ action: "integration.llm", quantity: null }), 400, "invalid_request"],
    ["an unknown action", () => usage({ action: "integration.teleport" }), 400, "invalid_request"],
    ["a message action", () => usage({ action: "message.discuss" }), 400, "invalid_request"],
    ["a free action", () => usage({ action: "edit.manual" }), 400, "invalid_request"],
    ["no action", () => usage({ quantity: 1 }), 400, "invalid_request"],
    ["an array body", () => usage([{ action: "integration.llm" }]), 400, "invalid_request"],
    ["an unknown field", () => usage({ action: "integration.llm", payer: "someone-else" }), 400, "invalid_request"],
  ];

  it.each(cases)("%s", async (_label, make, status, code) => {
    const before = await writableRowCounts(h.db);
    const res = await call(make());
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe("string");
    expect(await writableRowCounts(h.db)).toEqual(before);
  });
});

describe("GET /api/v1/balance with an app key", () => {
  it("returns only the app owner's integration balance", async () => {
    const res = await getBalanceForAppKey(h.db, new Request("http://x", { headers: { authorization: `Bearer ${otherKey}` } }), now);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body)).toEqual(["integration"]);
    // The other workspace's owner has only the free allowance: 25 a day.
    expect(body.integration).toMatchObject({ allowance: 25, used: 0, remaining: 25 });
  });

  it("401 with a wrong key", async () => {
    const res = await getBalanceForAppKey(h.db, new Request("http://x", { headers: { authorization: "Bearer ck_nope" } }), now);
    expect(res.status).toBe(401);
  });

  it("forecasts, from the last 7 days' pace in the hourly rollups, when the owner runs out before the reset", async () => {
    const owner = await makeUser(h.db, "Pacer", new Date("2026-01-01T00:00:00Z"));
    const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2026-01-31T10:00:00.000Z") });
    await makeSeat(h.db, ws, "starter", owner.id); // 2,000 integration credits; the cycle resets 2026-02-28T10:00Z
    const app = await makeApp(h.db, ws, owner, "Pacer app");
    const k = (await createAppKey(h.db, app.id, owner.id, now)).key;
    const balanceAt = async (at: Date) => (await (await getBalanceForAppKey(h.db, new Request("http://x", { headers: { authorization: `Bearer ${k}` } }), at)).json()).integration;
    // No use yet: nothing to forecast from.
    expect((await balanceAt(now)).forecast).toEqual({ runsOutAt: null, basis: { windowDays: 7, perDay: 0 } });
    // 10 credits a day over the last week: 1,930 left lasts 193 days, past the reset (18 days away).
    for (let d = 1; d <= 7; d++) expect((await call(usage({ action: "integration.api_call", quantity: 10 }, { key: k }), new Date(now.getTime() - d * 86_400_000))).status).toBe(201);
    expect((await balanceAt(now)).forecast).toEqual({ runsOutAt: null, basis: { windowDays: 7, perDay: 10 } });
    // 1,000 more an hour ago: 930 left at 1,070 a week (about 153 a day): out in about 6 days, before the reset.
    expect((await call(usage({ action: "integration.api_call", quantity: 1000 }, { key: k }), new Date(now.getTime() - 3_600_000))).status).toBe(201);
    const f = (await balanceAt(now)).forecast;
    expect(f.basis).toEqual({ windowDays: 7, perDay: 152.857 });
    expect(f.runsOutAt).toBe(new Date(now.getTime() + Math.floor((930 * 7 * 86_400_000) / 1070)).toISOString());
  });
});

describe("a key revoked by another process, while this one still remembers it", () => {
  it("charges nothing from then on: the single call (on its one-statement path and the general one) and the batch answer 401", async () => {
    const owner = await makeUser(h.db, "Revoker", new Date("2026-01-01T00:00:00Z"));
    const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2026-01-31T10:00:00.000Z") });
    await makeSeat(h.db, ws, "starter", owner.id);
    const app = await makeApp(h.db, ws, owner, "Leaky");
    const { key: leaked, id } = await createAppKey(h.db, app.id, owner.id, now);
    // Known to this process: the next calls do not look the key up again.
    expect((await call(usage({ action: "integration.llm" }, { key: leaked }))).status).toBe(201);
    // Revoked elsewhere: the row changes, this process's memory does not.
    await h.db.update(appKeys).set({ revokedAt: now }).where(eq(appKeys.id, id));
    const before = await writableRowCounts(h.db);
    expect((await call(usage({ action: "integration.llm" }, { key: leaked }))).status).toBe(401);
    // With a cap the charge takes the general path: refused there too.
    await h.db.update(apps).set({ integrationCap: 5_000 }).where(eq(apps.id, app.id));
    expect((await call(usage({ action: "integration.llm" }, { key: leaked }))).status).toBe(401);
    const batch = await postUsageBatch(
      h.db,
      new Request("http://localhost/api/v1/usage/batch", { method: "POST", headers: { authorization: `Bearer ${leaked}`, "content-type": "application/json" }, body: JSON.stringify({ events: [{ idempotencyKey: "after-revoke", action: "integration.llm" }] }) }),
      now,
    );
    const body = (await batch.json()) as Json;
    expect(body.results[0]).toMatchObject({ status: 401, error: { code: "unauthorized" } });
    expect(await writableRowCounts(h.db)).toEqual(before);
  });
});
