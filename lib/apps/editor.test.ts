import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { apps, creditLedger } from "@/db/schema";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { offlineAi, type AiProvider } from "./ai";
import { getMemberBalance } from "@/lib/credits/balance";
import { findUsageMismatches } from "@/lib/credits/check";
import { applyManualEdit, runIntegration, sendMessage } from "./editor";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const now = new Date("2026-02-10T12:00:00.000Z");
const clock = () => now;
let n = 0;
const rid = () => `req-${++n}`;

async function world() {
  const owner = await makeUser(h.db, "Owner", new Date("2026-01-01T00:00:00Z"));
  const mate = await makeUser(h.db, "Mate", new Date("2026-01-05T06:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2026-01-31T10:00:00.000Z"), members: [{ id: mate.id }] });
  await makeSeat(h.db, ws, "starter", owner.id);
  const app = await makeApp(h.db, ws, owner, "Storefront");
  return { owner, mate, ws, app };
}

const failing: AiProvider = { name: "broken", reply: async () => Promise.reject(new Error("model exploded")) };
const hanging: AiProvider = {
  name: "slow",
  reply: (_req, signal) => new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
};

describe("sendMessage", () => {
  it("a discussion message costs the prompter 0.3 and returns the AI's answer", async () => {
    const w = await world();
    const r = await sendMessage(h.db, offlineAi, { userId: w.mate.id, appId: w.app.id, mode: "discuss", text: "Add a cart", requestId: rid(), timeoutMs: 5000 }, clock);
    expect(r).toMatchObject({ status: "ok", charged: 300 });
    if (r.status === "ok") expect(r.reply).toMatch(/^About "Add a cart" in Storefront/);
    expect((await getMemberBalance(h.db, { workspaceId: w.ws.id, userId: w.mate.id }, now)).message).toMatchObject({ used: 300, reserved: 0 });
    expect((await getMemberBalance(h.db, { workspaceId: w.ws.id, userId: w.owner.id }, now)).message.used).toBe(0);
  });

  it("implementing a change costs 1", async () => {
    const w = await world();
    const r = await sendMessage(h.db, offlineAi, { userId: w.owner.id, appId: w.app.id, mode: "implement", text: "Add a cart", requestId: rid(), timeoutMs: 5000 }, clock);
    expect(r).toMatchObject({ status: "ok", charged: 1000 });
  });

  it.each([
    ["fails", failing, /could not answer/],
    ["times out", hanging, /took too long/],
  ])("when the AI %s, the person is told and not charged", async (_label, ai, message) => {
    const w = await world();
    const r = await sendMessage(h.db, ai, { userId: w.owner.id, appId: w.app.id, mode: "implement", text: "Add a cart", requestId: rid(), timeoutMs: 50 }, clock);
    expect(r.status).toBe("failed");
    if (r.status === "failed") expect(r.message).toMatch(message);
    expect((await getMemberBalance(h.db, { workspaceId: w.ws.id, userId: w.owner.id }, now)).message).toMatchObject({ used: 0, reserved: 0, remaining: 100_000 });
    const outcomes = await h.db.select({ outcome: creditLedger.outcome }).from(creditLedger).where(eq(creditLedger.appId, w.app.id));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["released", "reserved"]);
  });

  it("out of message credits: a typed refusal with the reset time, and no AI call", async () => {
    const w = await world();
    let called = 0;
    const counting: AiProvider = { name: "count", reply: async () => `${++called}` };
    // The teammate is on the free allowance (5 a day, window from 06:00 UTC).
    for (let i = 0; i < 5; i++) {
      await sendMessage(h.db, counting, { userId: w.mate.id, appId: w.app.id, mode: "implement", text: "x", requestId: rid(), timeoutMs: 5000 }, clock);
    }
    const r = await sendMessage(h.db, counting, { userId: w.mate.id, appId: w.app.id, mode: "discuss", text: "x", requestId: rid(), timeoutMs: 5000 }, clock);
    expect(r).toEqual({ status: "out_of_credits", kind: "message", remaining: 0, needed: 300, resetsAt: "2026-02-11T06:00:00.000Z", payer: "you", refusal: "insufficient_credits", onSeat: false, pool: false });
    expect(called).toBe(5);
  });

  it("a non-member cannot send messages in the app", async () => {
    const w = await world();
    const stranger = await makeUser(h.db, "Stranger", new Date("2026-01-01T00:00:00Z"));
    await expect(
      sendMessage(h.db, offlineAi, { userId: stranger.id, appId: w.app.id, mode: "discuss", text: "hi", requestId: rid(), timeoutMs: 5000 }, clock),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("manual edits and integrations", () => {
  it("one request id is one edit: a replay changes nothing more, another edit under it is refused and changes nothing", async () => {
    const w = await world();
    const id = rid();
    const edit = (value: string) => applyManualEdit(h.db, { userId: w.mate.id, appId: w.app.id, field: "title", value, requestId: id }, now);
    await edit("First");
    await edit("First");
    await expect(edit("Second")).rejects.toMatchObject({ code: "idempotency_conflict" });
    const [app] = await h.db.select().from(apps).where(eq(apps.id, w.app.id));
    expect(app!.design.title).toBe("First");
    const rows = await h.db.select().from(creditLedger).where(and(eq(creditLedger.appId, w.app.id), eq(creditLedger.action, "edit.manual")));
    expect(rows).toHaveLength(1);
  });

  it("concurrent edits under one request id: exactly one lands, and the ledger names it", async () => {
    const w = await world();
    const id = rid();
    const values = ["Alpha", "Bravo", "Charlie", "Delta"];
    const results = await Promise.allSettled(values.map((value) => applyManualEdit(h.db, { userId: w.mate.id, appId: w.app.id, field: "tagline", value, requestId: id }, now)));
    const rows = await h.db.select().from(creditLedger).where(and(eq(creditLedger.appId, w.app.id), eq(creditLedger.action, "edit.manual")));
    expect(rows).toHaveLength(1);
    const [app] = await h.db.select().from(apps).where(eq(apps.id, w.app.id));
    const winners = results.filter((r) => r.status === "fulfilled");
    expect(winners).toHaveLength(1);
    expect(values).toContain(app!.design.tagline);
  });

  it("a manual edit changes the app, costs nothing, and is recorded", async () => {
    const w = await world();
    const r = await applyManualEdit(h.db, { userId: w.mate.id, appId: w.app.id, field: "title", value: "Spring sale", requestId: rid() }, now);
    expect(r).toMatchObject({ status: "ok", design: { title: "Spring sale" } });
    const [app] = await h.db.select().from(apps).where(eq(apps.id, w.app.id));
    expect(app!.design.title).toBe("Spring sale");
    const [event] = await h.db.select().from(creditLedger).where(and(eq(creditLedger.appId, w.app.id), eq(creditLedger.action, "edit.manual")));
    expect(event).toMatchObject({ amount: 0, outcome: "free", actorUserId: w.mate.id });
    expect((await getMemberBalance(h.db, { workspaceId: w.ws.id, userId: w.mate.id }, now)).message.used).toBe(0);
    await expect(applyManualEdit(h.db, { userId: w.mate.id, appId: w.app.id, field: "accent", value: "red", requestId: rid() }, now)).rejects.toMatchObject({ code: "invalid" });
  });

  it("a teammate running an integration in the owner's app spends the owner's credits, not their own", async () => {
    const w = await world();
    const r = await runIntegration(h.db, { userId: w.mate.id, appId: w.app.id, action: "integration.email", requestId: rid() }, now);
    expect(r).toMatchObject({ status: "ok", charged: 1000, paidByOwner: true });
    expect((await getMemberBalance(h.db, { workspaceId: w.ws.id, userId: w.owner.id }, now)).integration.used).toBe(1000);
    expect((await getMemberBalance(h.db, { workspaceId: w.ws.id, userId: w.mate.id }, now)).integration.used).toBe(0);
    await expect(runIntegration(h.db, { userId: w.mate.id, appId: w.app.id, action: "message.discuss", requestId: rid() }, now)).rejects.toMatchObject({ code: "invalid" });
  });

  it("leaves the ledger and the usage rows in agreement", async () => {
    expect(await findUsageMismatches(h.db)).toEqual([]);
  });
});
