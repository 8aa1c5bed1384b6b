import { randomUUID } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgres, type DbHandle } from "@/db/client";
import { creditAccounts, paymentCharges, planChanges, seatTransfers, signInFailures, topUpLots } from "@/db/schema";
import { claimSignInTry, MAX_FAILURES_PER_EMAIL_AND_ADDRESS } from "@/lib/auth/rate-limit";
import { findLotMismatches, findUsageMismatches } from "@/lib/credits/check";
import { debitCredits } from "@/lib/credits/debit";
import { addSeat } from "@/lib/billing/seats/add-seat";
import { changeSeatPlan } from "@/lib/billing/seats/change-plan";
import { removeSeat } from "@/lib/billing/seats/end-seats";
import { grantTopUp, setAutoTopUp } from "@/lib/billing/top-ups/settings";
import { buyTopUp } from "@/lib/billing/top-ups/buy-top-up";
import { transferSeat } from "@/lib/billing/seats/transfer-seat";
import { drainDecisions, makeApp, makeSeat, team as makeTeam } from "@/tests/support/fixtures";
import { freshDatabase } from "@/tests/support/server";
import { poolerOptions } from "@/tests/support/local-db";

// Money outside the debit path, on real PostgreSQL with two connection pools (as two app
// processes would have): each decision is charged and applied once, whatever arrives at once.

let db: Awaited<ReturnType<typeof freshDatabase>>;
let other: DbHandle;
beforeAll(async () => {
  db = await freshDatabase();
  other = await openPostgres(db.url, 10, poolerOptions(db.url));
});
afterAll(async () => {
  await other?.close();
  await db?.drop();
});

const pools = () => [db.handle.db, other.db];
const now = () => new Date();

async function team() {
  const t = await makeTeam(db.handle.db, { joined: new Date(Date.now() - 40 * 86_400_000), anchor: new Date(Date.now() - 3 * 86_400_000), adaSeat: null, linusSeat: "starter" });
  return { ada: t.ada, linus: t.linus, ken: t.ken, grace: t.grace, ws: t.ws, seat: t.linusSeat };
}
const charges = async (workspaceId: string) => (await db.handle.db.select({ n: count() }).from(paymentCharges).where(eq(paymentCharges.workspaceId, workspaceId)))[0]!.n;

describe("money outside the debit path, two processes", () => {
  it("an upgrade sent 6 times at once across two processes: one provider charge, one upgrade", async () => {
    const t = await team();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => changeSeatPlan(pools()[i % 2]!, { seatId: t.seat.id, toPlanId: "pro", byUserId: t.ada.id, decisionKey: randomUUID() }, now())),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await charges(t.ws.id)).toBe(1);
    const applied = await db.handle.db.select().from(planChanges).where(and(eq(planChanges.accountId, t.seat.id), eq(planChanges.status, "applied")));
    expect(applied).toHaveLength(1);
  });

  it("the same decision 6 times at once across two processes: one charge, one seat", async () => {
    const t = await team();
    const decisionKey = randomUUID();
    const seats = await Promise.all(Array.from({ length: 6 }, (_, i) => addSeat(pools()[i % 2]!, { workspaceId: t.ws.id, planId: "builder", holderUserId: t.ken.id, byUserId: t.ada.id, decisionKey }, now())));
    expect(new Set(seats.map((s) => s.id)).size).toBe(1);
    expect(await charges(t.ws.id)).toBe(1);
  });

  it("removals and a downgrade at once leave one scheduled change", async () => {
    const t = await team();
    await changeSeatPlan(db.handle.db, { seatId: t.seat.id, toPlanId: "elite", byUserId: t.ada.id }, now());
    await Promise.allSettled([
      removeSeat(db.handle.db, { seatId: t.seat.id, byUserId: t.ada.id }, now()),
      removeSeat(other.db, { seatId: t.seat.id, byUserId: t.ada.id }, now()),
      changeSeatPlan(other.db, { seatId: t.seat.id, toPlanId: "builder", byUserId: t.ada.id }, now()),
      removeSeat(db.handle.db, { seatId: t.seat.id, byUserId: t.ada.id }, now()),
    ]);
    const scheduled = await db.handle.db.select().from(planChanges).where(and(eq(planChanges.accountId, t.seat.id), eq(planChanges.status, "scheduled")));
    expect(scheduled).toHaveLength(1);
  });

  it("one unassigned seat given to two members at once: one holder, one transfer", async () => {
    const t = await team();
    const seat = await makeSeat(db.handle.db, t.ws, "pro", null);
    const results = await Promise.allSettled([
      transferSeat(db.handle.db, { seatId: seat.id, toUserId: t.ken.id, byUserId: t.ada.id }, now()),
      transferSeat(other.db, { seatId: seat.id, toUserId: t.grace.id, byUserId: t.ada.id }, now()),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.handle.db.select().from(seatTransfers).where(eq(seatTransfers.accountId, seat.id))).toHaveLength(1);
    const [after] = await db.handle.db.select().from(creditAccounts).where(eq(creditAccounts.id, seat.id));
    expect([t.ken.id, t.grace.id]).toContain(after!.holderUserId);
  });

  it("40 sign-in tries at once for one email across two processes: 10 are tried", async () => {
    const who = { email: `raced-${randomUUID()}@example.com`, ip: "198.51.100.40" };
    const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => claimSignInTry(pools()[i % 2]!, who, now())));
    expect(claims.filter((c) => c !== null)).toHaveLength(MAX_FAILURES_PER_EMAIL_AND_ADDRESS);
    expect((await db.handle.db.select({ n: count() }).from(signInFailures).where(eq(signInFailures.email, who.email)))[0]!.n).toBe(MAX_FAILURES_PER_EMAIL_AND_ADDRESS);
  });
});

describe("top-ups under concurrency, two processes", () => {
  async function seatWithLots() {
    const t = await team();
    return { ...t, app: await makeApp(db.handle.db, t.ws, t.linus, "Busy app") };
  }

  it("300 charges at once against allowance + two lots: never overdrawn, every credit accounted for", async () => {
    const t = await seatWithLots(); // Linus's Starter seat: 2,000 integration credits
    await grantTopUp(db.handle.db, { seatId: t.seat.id, kind: "integration", credits: 300_000, reason: "test" }, now());
    await grantTopUp(db.handle.db, { seatId: t.seat.id, kind: "integration", credits: 200_000, reason: "test" }, now());
    // 2,500 credits in all; 300 charges of 10 = 3,000 asked.
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        debitCredits(pools()[i % 2]!, { key: `c:${i}:${randomUUID()}`, action: "integration.llm", quantity: 10, workspaceId: t.ws.id, actorUserId: null, appId: t.app.id }, now()),
      ),
    );
    expect(results.filter((r) => r.outcome === "charged")).toHaveLength(250);
    const lots = await db.handle.db.select().from(topUpLots).where(eq(topUpLots.accountId, t.seat.id));
    expect(lots.map((l) => l.used === l.credits)).toEqual([true, true]);
    expect(await findUsageMismatches(db.handle.db)).toEqual([]);
    expect(await findLotMismatches(db.handle.db)).toEqual([]);
  });

  it("50 charges crossing the auto top-up threshold at once buy exactly once", async () => {
    const t = await seatWithLots();
    await setAutoTopUp(db.handle.db, { seatId: t.seat.id, kind: "integration", rule: { enabled: true, threshold: 500_000, packs: 1, maxPerCycle: 5 }, byUserId: t.ada.id }, now());
    const charge = (i: number, quantity: number) =>
      debitCredits(pools()[i % 2]!, { key: `x:${i}:${randomUUID()}`, action: "integration.llm", quantity, workspaceId: t.ws.id, actorUserId: null, appId: t.app.id }, now());
    await charge(0, 1_460); // 540 left; the 50 charges of 1 take it to 490, across 500
    await Promise.all(Array.from({ length: 50 }, (_, i) => charge(i, 1)));
    // The crossing charge recorded one purchase with its job; the worker (here: a drain) buys it.
    expect(await drainDecisions(db.handle.db, now())).toBe(1);
    const autos = await db.handle.db.select().from(topUpLots).where(and(eq(topUpLots.accountId, t.seat.id), eq(topUpLots.source, "auto")));
    expect(autos).toHaveLength(1);
    expect(await charges(t.ws.id)).toBe(1);
  });

  it("the same top-up purchase sent 6 times at once across two processes charges once", async () => {
    const t = await team();
    const decisionKey = randomUUID();
    const lots = await Promise.all(Array.from({ length: 6 }, (_, i) => buyTopUp(pools()[i % 2]!, { seatId: t.seat.id, kind: "message", packs: 3, byUserId: t.ada.id, decisionKey }, now())));
    expect(new Set(lots.map((l) => l.id)).size).toBe(1);
    expect(await charges(t.ws.id)).toBe(1);
  });
});
