// @pooler: jobs enqueued in the charge's transaction; change events over LISTEN on the direct connection (CI runs this file again through PgBouncer)
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf, type DbHandle } from "@/db/client";
import { creditAccounts, notifications, paymentCharges, planChanges, topUpLots, workspaces } from "@/db/schema";
import { onChange } from "@/lib/events";
import { startWorker } from "@/lib/worker";
import { drainDecisions, team, type Team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { getAccount } from "@/lib/credits/accounts";
import { credits } from "@/lib/credits/amounts";
import { debitCredits, reserveCredits } from "@/lib/credits/debit";
import { releaseReservation } from "@/lib/credits/reservations";
import { DecisionPendingError, driveDecision, voidDecision } from "@/lib/billing/decisions/state-machine";
import { type PaymentProvider, testModeProvider } from "@/lib/billing/payments/provider";
import { removeSeat } from "@/lib/billing/seats/end-seats";
import { scheduleModelSwitch } from "@/lib/billing/pools/switch-model";
import { setAutoTopUp } from "@/lib/billing/top-ups/settings";
import { transferSeat } from "@/lib/billing/seats/transfer-seat";
import { buyTopUp, recordTopUpPurchase, topUpApplier } from "@/lib/billing/top-ups/buy-top-up";

// One decision, one charge, across faults: every owner decision that costs money is a durable
// state machine driven by the job queue; whatever fails and wherever, it ends applied, failed
// or voided (refunded), and the provider is charged once per decision.

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const mid = new Date("2026-07-20T12:00:00.000Z");
const buy = (t: Team, packs = 1, at = mid, provider?: PaymentProvider) => buyTopUp(h.db, { seatId: t.seat.id, kind: "integration", packs, byUserId: t.ada.id }, at, provider);
const record = (t: Team, packs = 1, at = mid) => recordTopUpPurchase(h.db, { seatId: t.seat.id, kind: "integration", packs, byUserId: t.ada.id }, at);
const decisionsOf = (t: Team) => h.db.select().from(planChanges).where(eq(planChanges.accountId, t.seat.id));
const lotsOf = (t: Team) => h.db.select().from(topUpLots).where(eq(topUpLots.accountId, t.seat.id));
const chargesOf = (t: Team) => h.db.select().from(paymentCharges).where(eq(paymentCharges.workspaceId, t.ws.id));
const jobsFor = async (id: string) => rowsOf<{ name: string; start_after: Date | string }>(await h.db.execute(sql`select name, start_after from pgboss.job where id = ${id}::uuid`));

/** A provider that charges, then loses its answer (a dropped connection after the charge). */
const answerLost = (): PaymentProvider => ({
  ...testModeProvider,
  async charge(db, request) {
    await testModeProvider.charge(db, request);
    throw new Error("connection reset by peer");
  },
});

describe("top-up purchases", () => {
  it("two purchases for one seat at once, five rounds: each is charged once and applied", async () => {
    const t = await team(h.db);
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([buy(t, 1), buy(t, 2)]);
      expect([a.credits, b.credits]).toEqual([credits(1000), credits(2000)]);
    }
    expect(await lotsOf(t)).toHaveLength(10);
    expect(await chargesOf(t)).toHaveLength(10);
    expect((await decisionsOf(t)).map((d) => d.status)).toEqual(Array(10).fill("applied"));
  });

  it("a provider whose answer was lost after charging leaves the decision paying, blocks nothing, and the job applies it with the one charge", async () => {
    const t = await team(h.db);
    await expect(buy(t, 1, mid, answerLost())).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining("still being confirmed") });
    const [stuck] = await decisionsOf(t);
    expect(stuck).toMatchObject({ status: "paying", attempts: 2 });
    expect(await lotsOf(t)).toHaveLength(0);
    // Another purchase of the same seat goes through meanwhile.
    await expect(buy(t, 2)).resolves.toMatchObject({ credits: credits(2000) });
    expect(await drainDecisions(h.db, mid)).toBe(1);
    const after = await decisionsOf(t);
    expect(after.map((d) => d.status).sort()).toEqual(["applied", "applied"]);
    expect(await lotsOf(t)).toHaveLength(2);
    expect(await chargesOf(t)).toHaveLength(2); // the lost answer's charge was found again by its key
  });

  it("a provider that hangs past its timeout: the decision waits in `paying` and the retry charges once", async () => {
    const t = await team(h.db);
    const d = await record(t, 3);
    let release: () => void = () => {};
    const hanging: PaymentProvider = {
      ...testModeProvider,
      async charge(db, request) {
        const r = await testModeProvider.charge(db, request);
        await new Promise<void>((resolve) => (release = resolve));
        return r;
      },
    };
    await expect(driveDecision(h.db, d.id, { provider: hanging, applier: topUpApplier, now: () => mid, providerTimeoutMs: 100 })).rejects.toBeInstanceOf(DecisionPendingError);
    expect((await decisionsOf(t))[0]!.status).toBe("paying");
    expect(await drainDecisions(h.db, mid)).toBe(1);
    release();
    expect((await decisionsOf(t))[0]!.status).toBe("applied");
    expect(await chargesOf(t)).toHaveLength(1);
    expect((await lotsOf(t)).map((l) => l.credits)).toEqual([credits(3000)]);
  });

  it("a seat that ends while its purchase is being paid: voided, refunded, no lot", async () => {
    const t = await team(h.db);
    const d = await record(t);
    const endsTheSeat: PaymentProvider = {
      ...testModeProvider,
      async charge(db, request) {
        const r = await testModeProvider.charge(db, request);
        await h.db.update(creditAccounts).set({ status: "removed", removedAt: mid }).where(eq(creditAccounts.id, t.seat.id));
        return r;
      },
    };
    const done = await driveDecision(h.db, d.id, { provider: endsTheSeat, applier: topUpApplier, now: () => mid });
    expect(done).toMatchObject({ status: "voided", failureReason: "the seat ended before the payment went through", refundRef: expect.stringMatching(/^test_refund_/) });
    const [charge] = await chargesOf(t);
    expect(charge!.refundedAt).not.toBeNull();
    expect(await lotsOf(t)).toHaveLength(0);
    await expect(buy(t)).rejects.toMatchObject({ code: "not_found" });
  });

  it("a decision that can no longer apply before it is paid is never charged", async () => {
    const t = await team(h.db);
    const d = await record(t);
    await h.db.update(creditAccounts).set({ status: "removed", removedAt: mid }).where(eq(creditAccounts.id, t.seat.id));
    expect(await drainDecisions(h.db, mid)).toBe(1);
    expect((await decisionsOf(t))[0]).toMatchObject({ id: d.id, status: "voided", refundRef: "none" });
    expect(await chargesOf(t)).toHaveLength(0);
  });

  it("the operator voids a decision stuck in `paying`: it never applies and its charge is refunded", async () => {
    const t = await team(h.db);
    await expect(buy(t, 1, mid, answerLost())).rejects.toMatchObject({ code: "conflict" });
    const [stuck] = await decisionsOf(t);
    const voided = await voidDecision(h.db, stuck!.id, "support: the customer asked", testModeProvider, mid);
    expect(voided).toMatchObject({ status: "voided", refundRef: expect.stringMatching(/^test_refund_/) });
    expect(await drainDecisions(h.db, mid)).toBe(0);
    expect(await lotsOf(t)).toHaveLength(0);
    expect((await chargesOf(t))[0]!.refundedAt).not.toBeNull();
    await expect(voidDecision(h.db, stuck!.id, "again", testModeProvider, mid)).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining("already voided") });
  });

  it("a decision's job exists if and only if the decision committed", async () => {
    const t = await team(h.db);
    const d = await record(t);
    expect((await jobsFor(d.id)).map((j) => j.name)).toEqual(["decision"]);
    const before = rowsOf<{ n: number }>(await h.db.execute(sql`select count(*)::int as n from pgboss.job`))[0]!.n;
    await h.db.update(creditAccounts).set({ status: "removed", removedAt: mid }).where(eq(creditAccounts.id, t.seat.id));
    await expect(record(t)).rejects.toMatchObject({ code: "not_found" });
    expect(rowsOf<{ n: number }>(await h.db.execute(sql`select count(*)::int as n from pgboss.job`))[0]!.n).toBe(before);
    expect(await drainDecisions(h.db, mid)).toBe(1); // the first, voided: its seat ended before it was paid
    expect((await decisionsOf(t)).map((x) => x.status)).toEqual(["voided"]);
  });
});

describe("auto top-up", () => {
  const rule = { enabled: true, threshold: credits(500), packs: 1, maxPerCycle: 3 };
  const integration = (t: Team, quantity: number) => debitCredits(h.db, { key: randomUUID(), action: "integration.llm", quantity, workspaceId: t.ws.id, actorUserId: null, appId: t.app.id }, mid);

  it("the owner's own purchase in flight does not make it fail: both are bought, the rule stays on", async () => {
    const t = await team(h.db);
    await setAutoTopUp(h.db, { seatId: t.seat.id, kind: "integration", rule, byUserId: t.ada.id }, mid);
    await record(t, 2); // the owner's purchase, not yet paid
    expect(await integration(t, 1600)).toMatchObject({ outcome: "charged" }); // 2,000 → 400 crosses 500
    expect(await drainDecisions(h.db, mid)).toBe(2);
    expect((await lotsOf(t)).map((l) => l.source).sort()).toEqual(["auto", "purchase"]);
    expect((await getAccount(h.db, t.seat.id)).autoTopUp?.integration).toMatchObject({ enabled: true });
    const notes = await h.db.select({ body: notifications.body }).from(notifications).where(eq(notifications.userId, t.ada.id));
    expect(notes.map((n) => n.body)).not.toContainEqual(expect.stringContaining("switched off"));
    expect(notes.map((n) => n.body)).toContain("Auto top-up bought 1,000 integration credits, usable for 12 months.");
  });

  it("a committed charge stays answered as charged: a broken change listener cannot turn it into an error; its notice commits with it", async () => {
    const t = await team(h.db);
    await setAutoTopUp(h.db, { seatId: t.seat.id, kind: "integration", rule, byUserId: t.ada.id }, mid);
    const off = onChange(() => {
      throw new Error("a listener broke");
    });
    try {
      expect(await integration(t, 1700)).toMatchObject({ outcome: "charged" }); // crosses 80% and the auto top-up threshold
    } finally {
      off();
    }
    const notes = await h.db.select().from(notifications).where(and(eq(notifications.userId, t.ada.id), eq(notifications.threshold, 80)));
    expect(notes).toHaveLength(1);
    expect(await decisionsOf(t)).toHaveLength(1);
  });

  it("the one-statement path never crosses a notice threshold: the 80% notice is written by the charge that crosses it", async () => {
    const t = await team(h.db);
    for (let i = 0; i < 16; i++) await integration(t, 100); // 1,600 of 2,000: the 16th crosses 80%
    const notes = await h.db.select().from(notifications).where(and(eq(notifications.accountId, t.seat.id), eq(notifications.threshold, 80)));
    expect(notes).toHaveLength(1);
  });
});

describe("change events", () => {
  it("are told after the transaction, never from inside it (transfer, purchase, reservation)", async () => {
    const t = await team(h.db, { linusSeat: "starter" });
    // The database, with a flag that is up while a transaction's work runs.
    let inTransaction = false;
    const db = new Proxy(h.db, {
      get(target, prop, receiver) {
        if (prop !== "transaction") return Reflect.get(target, prop, receiver);
        return (work: (tx: typeof h.db) => Promise<unknown>) =>
          target.transaction(async (tx) => {
            inTransaction = true;
            try {
              return await work(tx);
            } finally {
              inTransaction = false;
            }
          });
      },
    });
    const told: boolean[] = [];
    const off = onChange(() => void told.push(inTransaction));
    try {
      await transferSeat(db, { seatId: t.linusSeat.id, toUserId: t.ken.id, byUserId: t.ada.id }, mid);
      await buyTopUp(db, { seatId: t.seat.id, kind: "message", packs: 1, byUserId: t.ada.id }, mid);
      const held = await reserveCredits(db, { key: randomUUID(), action: "message.implement", workspaceId: t.ws.id, actorUserId: t.ada.id }, mid);
      await releaseReservation(db, held.event.reservationId!, mid);
    } finally {
      off();
    }
    expect(told.length).toBeGreaterThanOrEqual(4);
    expect(told).toEqual(told.map(() => false));
  });
});

describe("the worker", () => {
  it("works a recorded purchase and a removal that came due, from their jobs", async () => {
    const t = await team(h.db);
    const other = await team(h.db);
    const now = new Date();
    const d = await recordTopUpPurchase(h.db, { seatId: t.seat.id, kind: "message", packs: 1, byUserId: t.ada.id }, now);
    const removal = await removeSeat(h.db, { seatId: other.seat.id, byUserId: other.ada.id }, mid); // due 2026-08-05: already past
    const [job] = await jobsFor(removal.change.id);
    expect(job).toMatchObject({ name: "scheduled_change" });
    expect(new Date(job!.start_after).toISOString()).toBe(removal.change.effectiveAt.toISOString());
    const worker = await startWorker(h, { provider: testModeProvider, sweepAfterMs: 3_600_000, pollSeconds: 0.5 });
    try {
      await expect.poll(async () => (await decisionsOf(t)).find((x) => x.id === d.id)?.status, { timeout: 15_000 }).toBe("applied");
      await expect.poll(async () => (await getAccount(h.db, other.seat.id)).status, { timeout: 15_000 }).toBe("removed");
    } finally {
      await worker.stop();
    }
    expect((await lotsOf(t)).map((l) => [l.kind, l.credits])).toEqual([["message", credits(50)]]);
  });

  it("a switch of credit model is a job of its own queue (one shape a queue), worked when it comes due", async () => {
    const t = await team(h.db);
    const { effectiveAt } = await scheduleModelSwitch(h.db, { workspaceId: t.ws.id, to: "pool", planId: "builder", byUserId: t.ada.id }, mid); // due 2026-08-05: already past
    const jobs = rowsOf<{ name: string; start_after: Date | string }>(await h.db.execute(sql`select name, start_after from pgboss.job where data->>'workspaceId' = ${t.ws.id}`));
    expect(jobs.map((j) => j.name)).toEqual(["model_switch"]);
    expect(new Date(jobs[0]!.start_after).toISOString()).toBe(effectiveAt.toISOString());
    const worker = await startWorker(h, { provider: testModeProvider, sweepAfterMs: 3_600_000, pollSeconds: 0.5 });
    try {
      await expect.poll(async () => (await h.db.select({ model: workspaces.creditModel }).from(workspaces).where(eq(workspaces.id, t.ws.id)))[0]?.model, { timeout: 15_000 }).toBe("pool");
    } finally {
      await worker.stop();
    }
  });
});
