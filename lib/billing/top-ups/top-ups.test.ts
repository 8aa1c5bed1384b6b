import { randomUUID } from "node:crypto";
import { addMonths } from "date-fns";
import { and, count, eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { apps, creditAccounts, creditLedger, notifications, paymentCharges, planChanges, topUpLots } from "@/db/schema";
import { drainDecisions, makeApp, makeSeat, team as makeTeam } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { getAccount } from "@/lib/credits/accounts";
import { credits } from "@/lib/credits/amounts";
import { getAccountBalance } from "@/lib/credits/balance";
import { findLotMismatches, findUsageMismatches } from "@/lib/credits/check";
import { debitCredits, reserveCredits } from "@/lib/credits/debit";
import { PaymentDeclinedError, type PaymentProvider, testModeProvider } from "@/lib/billing/payments/provider";
import { removeSeat } from "@/lib/billing/seats/end-seats";
import { confirmReservation, releaseReservation } from "@/lib/credits/reservations";
import { transferSeat } from "@/lib/billing/seats/transfer-seat";
import { grantTopUp, moveLots, setAutoTopUp } from "@/lib/billing/top-ups/settings";
import { buyTopUp } from "@/lib/billing/top-ups/buy-top-up";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const anchor = new Date("2026-07-05T09:00:00.000Z");
const mid = new Date("2026-07-20T12:00:00.000Z");
let n = 0;
const key = () => `tu:${++n}:${Math.random()}`;

const team = (plan = "starter") => makeTeam(h.db, { anchor, plan });
type Team = Awaited<ReturnType<typeof team>>;

/** A lot of `amount` credits bought `monthsAgo` months before `mid` (so it expires 12 months after that). */
async function lot(t: Team, kind: "message" | "integration", amount: number, purchasedAt = mid) {
  const [row] = await h.db
    .insert(topUpLots)
    .values({ workspaceId: t.ws.id, accountId: t.seat.id, kind, credits: credits(amount), purchasedAt, expiresAt: addMonths(purchasedAt, 12), source: "grant" })
    .returning();
  return row!;
}
const integration = (t: Team, quantity: number, at = mid) =>
  debitCredits(h.db, { key: key(), action: "integration.llm", quantity, workspaceId: t.ws.id, actorUserId: null, appId: t.app.id }, at);
const lotUsed = async (id: string) => (await h.db.select({ used: topUpLots.used }).from(topUpLots).where(eq(topUpLots.id, id)))[0]!.used;

describe("allowance first, then top-ups", () => {
  it("a charge the allowance covers leaves the top-up alone; the next one spans both, all in one debit", async () => {
    const t = await team(); // Starter: 2,000 integration credits
    const a = await lot(t, "integration", 1000);
    expect(await integration(t, 1500)).toMatchObject({ outcome: "charged", event: { fromAllowance: null, lotParts: null } });
    expect(await lotUsed(a.id)).toBe(0);
    const r = await integration(t, 1000);
    expect(r).toMatchObject({ outcome: "charged", event: { amount: credits(1000), fromAllowance: credits(500), lotParts: [{ lotId: a.id, amount: credits(500) }] } });
    expect(r.balance).toMatchObject({ remaining: 0, topUp: credits(500), available: credits(500) });
    expect(await lotUsed(a.id)).toBe(credits(500));
  });

  it("spans the allowance and two lots, the one expiring first first", async () => {
    const t = await team();
    const later = await lot(t, "integration", 1000, new Date("2026-06-01T00:00:00Z"));
    const sooner = await lot(t, "integration", 300, new Date("2025-09-01T00:00:00Z"));
    await integration(t, 1900);
    const r = await integration(t, 1000);
    expect(r.event.fromAllowance).toBe(credits(100));
    expect(r.event.lotParts).toEqual([
      { lotId: sooner.id, amount: credits(300) },
      { lotId: later.id, amount: credits(600) },
    ]);
  });

  it("all or nothing: more than allowance and top-ups together is refused whole, and no lot is touched", async () => {
    const t = await team();
    const a = await lot(t, "integration", 100);
    await integration(t, 1950);
    const r = await integration(t, 200);
    expect(r).toMatchObject({ outcome: "refused", refusal: "insufficient_credits", balance: { remaining: credits(50), topUp: credits(100), available: credits(150) } });
    expect(await lotUsed(a.id)).toBe(0);
  });

  it("a lot stops counting at its expiry instant, not a millisecond later", async () => {
    const t = await team();
    const a = await lot(t, "integration", 500, new Date("2025-07-20T12:00:00.000Z")); // expires exactly at mid
    await integration(t, 2000, new Date(mid.getTime() - 60_000));
    const before = await getAccountBalance(h.db, await getAccount(h.db, t.seat.id), new Date(mid.getTime() - 1));
    expect(before.integration.topUp).toBe(credits(500));
    expect(await integration(t, 1, mid)).toMatchObject({ outcome: "refused" });
    expect(await integration(t, 1, new Date(mid.getTime() - 1))).toMatchObject({ outcome: "charged", event: { lotParts: [{ lotId: a.id }] } });
  });
});

describe("refunds, transfers and paused top-ups", () => {
  it("a released reservation returns each part where it came from; a confirmed one keeps them spent", async () => {
    const t = await team(); // 100 message credits
    const m = await lot(t, "message", 50);
    await debitCredits(h.db, { key: key(), action: "message.implement", quantity: 99, workspaceId: t.ws.id, actorUserId: t.ada.id }, mid);
    const held = await reserveCredits(h.db, { key: key(), action: "message.implement", quantity: 3, workspaceId: t.ws.id, actorUserId: t.ada.id }, mid);
    expect(held.event).toMatchObject({ fromAllowance: credits(1), lotParts: [{ lotId: m.id, amount: credits(2) }] });
    expect(await lotUsed(m.id)).toBe(credits(2));
    await releaseReservation(h.db, held.event.reservationId!, mid);
    expect(await lotUsed(m.id)).toBe(0);
    const b = await getAccountBalance(h.db, await getAccount(h.db, t.seat.id), mid);
    expect(b.message).toMatchObject({ used: credits(99), reserved: 0, remaining: credits(1), topUp: credits(50) });
    const again = await reserveCredits(h.db, { key: key(), action: "message.implement", quantity: 3, workspaceId: t.ws.id, actorUserId: t.ada.id }, mid);
    await confirmReservation(h.db, again.event.reservationId!, mid);
    expect(await lotUsed(m.id)).toBe(credits(2));
    expect((await getAccountBalance(h.db, await getAccount(h.db, t.seat.id), mid)).message).toMatchObject({ used: credits(100), reserved: 0 });
  });

  it("top-ups travel with the seat: the new holder can spend them", async () => {
    const t = await team();
    await lot(t, "message", 50);
    await transferSeat(h.db, { seatId: t.seat.id, toUserId: t.linus.id, byUserId: t.ada.id }, mid);
    const b = await getAccountBalance(h.db, await getAccount(h.db, t.seat.id), mid);
    expect(b.account.holderUserId).toBe(t.linus.id);
    expect(b.message.topUp).toBe(credits(50));
  });

  it("when a seat ends its top-ups pause, and the owner moves them to an active seat", async () => {
    const t = await team();
    const other = await makeSeat(h.db, t.ws, "pro", t.linus.id);
    const a = await lot(t, "integration", 700);
    await removeSeat(h.db, { seatId: t.seat.id, byUserId: t.ada.id }, mid);
    const after = new Date("2026-08-06T00:00:00.000Z");
    await getAccountBalance(h.db, await getAccount(h.db, t.seat.id), after); // the removal comes due
    const [paused] = await h.db.select().from(topUpLots).where(eq(topUpLots.id, a.id));
    expect(paused!.pausedAt).not.toBeNull();
    await expect(moveLots(h.db, { lotIds: [a.id], toSeatId: other.id, byUserId: t.linus.id }, after)).rejects.toMatchObject({ code: "forbidden" });
    expect(await moveLots(h.db, { lotIds: [a.id], toSeatId: other.id, byUserId: t.ada.id }, after)).toBe(1);
    expect((await getAccountBalance(h.db, await getAccount(h.db, other.id), after)).integration.topUp).toBe(credits(700));
  });
});

describe("buying", () => {
  it("the same purchase sent 6 times at once is charged once and makes one lot", async () => {
    const t = await team();
    const decisionKey = randomUUID();
    const lots = await Promise.all(Array.from({ length: 6 }, () => buyTopUp(h.db, { seatId: t.seat.id, kind: "integration", packs: 2, byUserId: t.ada.id, decisionKey }, mid)));
    expect(new Set(lots.map((l) => l.id)).size).toBe(1);
    expect(lots[0]).toMatchObject({ credits: credits(2000), source: "purchase" });
    expect(lots[0]!.expiresAt.toISOString()).toBe("2027-07-20T12:00:00.000Z");
    const [charges] = await h.db.select({ n: count() }).from(paymentCharges).where(eq(paymentCharges.workspaceId, t.ws.id));
    expect(charges!.n).toBe(1);
  });

  it("only the owner buys, 1 to 8 packs, for a paid seat", async () => {
    const t = await team();
    await expect(buyTopUp(h.db, { seatId: t.seat.id, kind: "message", packs: 1, byUserId: t.linus.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
    await expect(buyTopUp(h.db, { seatId: t.seat.id, kind: "message", packs: 9, byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "invalid" });
    const [free] = await h.db.select().from(creditAccounts).where(and(eq(creditAccounts.holderUserId, t.ken.id), eq(creditAccounts.type, "free")));
    await expect(buyTopUp(h.db, { seatId: free!.id, kind: "message", packs: 1, byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("auto top-up", () => {
  it("buys once per crossing, at most M times a cycle, however many charges cross at once", async () => {
    const t = await team();
    await setAutoTopUp(h.db, { seatId: t.seat.id, kind: "integration", rule: { enabled: true, threshold: credits(500), packs: 1, maxPerCycle: 2 }, byUserId: t.ada.id }, mid);
    await integration(t, 1400);
    await Promise.all(Array.from({ length: 10 }, () => integration(t, 20))); // 600 → 400: crosses 500
    const autos = async () => (await h.db.select().from(topUpLots).where(and(eq(topUpLots.accountId, t.seat.id), eq(topUpLots.source, "auto")))).length;
    const decided = async () => (await h.db.select().from(planChanges).where(and(eq(planChanges.accountId, t.seat.id), eq(planChanges.kind, "top_up")))).length;
    // The crossing charge recorded one purchase (and its job) in its own transaction; the worker buys it.
    expect(await decided()).toBe(1);
    expect(await autos()).toBe(0);
    expect(await drainDecisions(h.db, mid)).toBe(1);
    expect(await autos()).toBe(1);
    await integration(t, 1000); // 1,400 → 400: crosses again
    expect(await drainDecisions(h.db, mid)).toBe(1);
    expect(await autos()).toBe(2);
    await integration(t, 1000); // crosses a third time: the cycle's maximum was 2
    expect(await decided()).toBe(2);
    expect(await drainDecisions(h.db, mid)).toBe(0);
    expect(await autos()).toBe(2);
  });

  it("a failed payment switches it off and tells the owner", async () => {
    const t = await team();
    await setAutoTopUp(h.db, { seatId: t.seat.id, kind: "integration", rule: { enabled: true, threshold: credits(500), packs: 1, maxPerCycle: 3 }, byUserId: t.ada.id }, mid);
    const declining: PaymentProvider = { ...testModeProvider, name: "declines", charge: async () => Promise.reject(new PaymentDeclinedError("The card was declined.")) };
    // The charge that crosses the threshold is answered as charged: the purchase is a job.
    expect(await integration(t, 1600)).toMatchObject({ outcome: "charged" });
    expect(await drainDecisions(h.db, mid, declining)).toBe(1);
    const after = await getAccount(h.db, t.seat.id);
    expect(after.autoTopUp?.integration).toMatchObject({ enabled: false, disabledReason: "The card was declined." });
    const notes = await h.db.select().from(notifications).where(eq(notifications.userId, t.ada.id));
    expect(notes.map((x) => x.body)).toContain("Auto top-up of integration credits was switched off: the payment was declined (The card was declined.). Nothing was charged. Turn it on again once the card works.");
    const [decision] = await h.db.select().from(planChanges).where(eq(planChanges.accountId, t.seat.id));
    expect(decision).toMatchObject({ status: "failed", failureReason: "The card was declined." });
    expect(await h.db.select().from(paymentCharges).where(eq(paymentCharges.workspaceId, t.ws.id))).toHaveLength(0);
  });
});

describe("per-app caps", () => {
  it("past its cap an app's calls are refused while the owner's other apps go on; the cap resets with the cycle", async () => {
    const t = await team();
    const other = await makeApp(h.db, t.ws, t.ada, "Helpdesk");
    await h.db.update(apps).set({ integrationCap: credits(5) }).where(eq(apps.id, t.app.id));
    expect(await integration(t, 3)).toMatchObject({ outcome: "charged" });
    expect(await integration(t, 3)).toMatchObject({ outcome: "refused", refusal: "app_cap_reached" });
    expect(await debitCredits(h.db, { key: key(), action: "integration.llm", quantity: 3, workspaceId: t.ws.id, actorUserId: null, appId: other.id }, mid)).toMatchObject({ outcome: "charged" });
    expect(await integration(t, 2)).toMatchObject({ outcome: "charged" });
    expect(await integration(t, 3, new Date("2026-08-05T09:00:00.000Z"))).toMatchObject({ outcome: "charged" });
    const [note] = await h.db.select().from(notifications).where(and(eq(notifications.userId, t.ada.id), eq(notifications.dedupeKey, `cap:${t.app.id}:2026-07-05T09:00:00.000Z`)));
    expect(note?.href).toBe("/");
  });
});

describe("property: random purchases, charges, refunds, transfers and time", () => {
  it("no lot or allowance goes negative, and the ledger's parts sum to every charge", async () => {
    const t = await team();
    const step = fc.oneof(
      fc.record({ op: fc.constant("buy" as const), packs: fc.integer({ min: 1, max: 2 }) }),
      fc.record({ op: fc.constant("grant" as const), amount: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ op: fc.constant("charge" as const), quantity: fc.integer({ min: 1, max: 900 }) }),
      fc.record({ op: fc.constant("reserve" as const), quantity: fc.integer({ min: 1, max: 40 }), release: fc.boolean() }),
      fc.record({ op: fc.constant("transfer" as const) }),
      fc.record({ op: fc.constant("wait" as const), days: fc.integer({ min: 1, max: 40 }) }),
    );
    let at = mid;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), async (steps) => {
        for (const s of steps) {
          if (s.op === "buy") await buyTopUp(h.db, { seatId: t.seat.id, kind: "integration", packs: s.packs, byUserId: t.ada.id }, at);
          if (s.op === "grant") await grantTopUp(h.db, { seatId: t.seat.id, kind: "message", credits: credits(s.amount), reason: "property test" }, at);
          if (s.op === "charge") await integration(t, s.quantity, at);
          if (s.op === "reserve") {
            const held = await reserveCredits(h.db, { key: key(), action: "message.implement", quantity: s.quantity, workspaceId: t.ws.id, actorUserId: (await getAccount(h.db, t.seat.id)).holderUserId }, at);
            if (held.outcome === "reserved") await (s.release ? releaseReservation(h.db, held.event.reservationId!, at) : confirmReservation(h.db, held.event.reservationId!, at));
          }
          if (s.op === "transfer") {
            const holder = (await getAccount(h.db, t.seat.id)).holderUserId;
            await transferSeat(h.db, { seatId: t.seat.id, toUserId: holder === t.ada.id ? t.linus.id : t.ada.id, byUserId: t.ada.id }, at);
          }
          if (s.op === "wait") at = new Date(at.getTime() + s.days * 86_400_000);
        }
        const lots = await h.db.select().from(topUpLots).where(eq(topUpLots.accountId, t.seat.id));
        for (const l of lots) expect(l.used >= 0 && l.used <= l.credits).toBe(true);
        const charged = await h.db.select().from(creditLedger).where(and(eq(creditLedger.payerAccountId, t.seat.id)));
        for (const e of charged.filter((x) => x.outcome === "charged" || x.outcome === "reserved")) {
          const parts = (e.lotParts ?? []).reduce((sum, p) => sum + p.amount, 0);
          expect((e.fromAllowance ?? e.amount) + parts).toBe(e.amount);
        }
        expect(await findUsageMismatches(h.db)).toEqual([]);
        expect(await findLotMismatches(h.db)).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });
});
