// @pooler: the app's row read FOR SHARE and checked inside the one statement, unprepared (CI runs this file again through PgBouncer)
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { creditLedger } from "@/db/schema";
import { postUsage, postUsageBatch } from "@/lib/api/usage";
import { createAppKey } from "@/lib/apps/keys";
import { team, type Team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { credits } from "./amounts";
import { setAppCap } from "./app-caps";
import { transferSeat } from "@/lib/billing/seats/transfer-seat";

// The metering API remembers a key's lookup (the app, its payer, its cap) for a moment, per
// process. Nothing remembered may stand in for a rule inside the charge: a cap set or removed,
// or a payer that changed, holds on the very next call — single, batch, or many at once.

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const now = new Date("2026-07-20T12:00:00.000Z");
let n = 0;
const single = async (key: string, quantity = 1) => {
  const req = new Request("http://localhost/api/v1/usage", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "idempotency-key": `cached-${++n}` },
    body: JSON.stringify({ action: "integration.llm", quantity }),
  });
  const res = await postUsage(h.db, req, now);
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
};
const batch = async (key: string, count: number) => {
  const events = Array.from({ length: count }, () => ({ idempotencyKey: `cached-${++n}`, action: "integration.llm" }));
  const req = new Request("http://localhost/api/v1/usage/batch", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ events }) });
  const res = await postUsageBatch(h.db, req, now);
  return ((await res.json()) as { results: { status: number }[] }).results.map((r) => r.status);
};
const chargedTo = async (t: Team, accountId: string) =>
  (await h.db.select().from(creditLedger).where(and(eq(creditLedger.appId, t.app.id), eq(creditLedger.payerAccountId, accountId), eq(creditLedger.outcome, "charged")))).length;

async function warmKey() {
  const t = await team(h.db);
  const { key } = await createAppKey(h.db, t.app.id, t.ada.id, now);
  // The key's lookup is now remembered (uncapped, Ada's seat pays).
  expect((await single(key, 30)).status).toBe(201);
  return { t, key };
}

describe("a key's remembered lookup never stands in for a rule", () => {
  it("a cap set below what the app spent refuses the very next call, single and batch", async () => {
    const { t, key } = await warmKey();
    await setAppCap(h.db, { appId: t.app.id, cap: credits(20), byUserId: t.ada.id }, now);
    const next = await single(key);
    expect(next.status).toBe(402);
    expect(next.body.error?.code).toBe("app_cap_reached");
    expect(await batch(key, 3)).toEqual([402, 402, 402]);
  });

  it("a cap of 5, then 40 calls at once: exactly the 5 that fit are charged", async () => {
    const { t, key } = await warmKey();
    await setAppCap(h.db, { appId: t.app.id, cap: credits(35), byUserId: t.ada.id }, now);
    const statuses = await Promise.all(Array.from({ length: 40 }, () => single(key).then((r) => r.status)));
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 402)).toHaveLength(35);
    expect(await chargedTo(t, t.seat.id)).toBe(1 + 5);
  });

  it("a cap removed lets the very next call through", async () => {
    const { t, key } = await warmKey();
    await setAppCap(h.db, { appId: t.app.id, cap: credits(30), byUserId: t.ada.id }, now);
    expect((await single(key)).status).toBe(402);
    await setAppCap(h.db, { appId: t.app.id, cap: null, byUserId: t.ada.id }, now);
    expect((await single(key)).status).toBe(201);
    expect(await batch(key, 2)).toEqual([201, 201]);
  });

  it("a payer that changed is charged, not the one remembered: the owner's seat given away", async () => {
    const { t, key } = await warmKey();
    await transferSeat(h.db, { seatId: t.seat.id, toUserId: t.linus.id, byUserId: t.ada.id }, now);
    // Ada's app is now paid from her free allowance; the seat is Linus's and pays nothing of it.
    expect((await single(key)).status).toBe(201);
    expect(await batch(key, 2)).toEqual([201, 201]);
    expect(await chargedTo(t, t.seat.id)).toBe(1);
    const rows = await h.db.select().from(creditLedger).where(and(eq(creditLedger.appId, t.app.id), eq(creditLedger.outcome, "charged")));
    expect(rows.filter((r) => r.payerAccountId !== t.seat.id)).toHaveLength(3);
    expect(new Set(rows.filter((r) => r.payerAccountId !== t.seat.id).map((r) => r.payerUserId))).toEqual(new Set([t.ada.id]));
  });
});
