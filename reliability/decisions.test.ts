// @pooler: the job queue and paid decisions across processes on pooled connections (CI runs this file again through PgBouncer)
import { randomUUID } from "node:crypto";
import { and, eq, inArray, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paymentCharges, planChanges, topUpLots } from "@/db/schema";
import { findLotMismatches, findRollupMismatches, findUsageMismatches } from "@/lib/credits/check";
import { credits } from "@/lib/credits/amounts";
import { debitCredits } from "@/lib/credits/debit";
import { setAutoTopUp } from "@/lib/billing/top-ups/settings";
import { team } from "@/tests/support/fixtures";
import { Actor, Barrier } from "./processes";
import { freshDatabase } from "@/tests/support/server";

// Owners' decisions across processes: two app processes (each with its own pool and its own
// worker on the job queue) act at the same instant on the same seat.

let db: Awaited<ReturnType<typeof freshDatabase>>;
let actors: Actor[];
let barrier: Barrier;
beforeAll(async () => {
  db = await freshDatabase();
  actors = [new Actor(db.url), new Actor(db.url)];
  await Promise.all(actors.map((a) => a.ready));
  barrier = new Barrier(db.url);
});
afterAll(async () => {
  await Promise.all((actors ?? []).map((a) => a.stop()));
  await barrier?.close();
  await db?.drop();
});

const inFlight = ["recorded", "paying", "paid"] as const;

describe("decisions across two processes", () => {
  it("two purchases for one seat at the same instant, 20 rounds: each charged once and applied, none blocked", async () => {
    const d = db.handle.db;
    const t = await team(d, { anchor: new Date(Date.now() - 3 * 86_400_000) });
    for (let round = 0; round < 20; round++) {
      const key = 10_000 + round;
      await barrier.hold(key);
      const answers = Promise.all([
        actors[0]!.send({ op: "buy", barrier: key, seatId: t.seat.id, byUserId: t.ada.id, packs: 1 }),
        actors[1]!.send({ op: "buy", barrier: key, seatId: t.seat.id, byUserId: t.ada.id, packs: 2 }),
      ]);
      await barrier.release(key, 2);
      const [a, b] = await answers;
      expect({ round, a: a.ok, b: b.ok, errors: [a.error, b.error].filter(Boolean) }).toEqual({ round, a: true, b: true, errors: [] });
    }
    const decisions = await d.select().from(planChanges).where(eq(planChanges.accountId, t.seat.id));
    expect(decisions.map((x) => x.status)).toEqual(Array(40).fill("applied"));
    const charges = await d.select().from(paymentCharges).where(eq(paymentCharges.workspaceId, t.ws.id));
    expect(charges).toHaveLength(40);
    expect(new Set(charges.map((c) => c.key))).toEqual(new Set(decisions.map((x) => `plan_change:${x.id}`)));
    const lots = await d.select().from(topUpLots).where(eq(topUpLots.accountId, t.seat.id));
    expect(lots).toHaveLength(40);
    expect(lots.reduce((s, l) => s + l.credits, 0)).toBe(credits(20 * 3 * 1000));
  });

  it("300 charges crossing the auto top-up threshold at once, 10 rounds: exactly one purchase each round", async () => {
    const d = db.handle.db;
    for (let round = 0; round < 10; round++) {
      const t = await team(d, { anchor: new Date(Date.now() - 3 * 86_400_000) });
      // 2,000 − 900 = 1,100 available, over a threshold of 1,000: 300 charges of 1 cross it once.
      await debitCredits(d, { key: randomUUID(), action: "integration.api_call", quantity: 900, workspaceId: t.ws.id, actorUserId: null, appId: t.app.id }, new Date());
      await setAutoTopUp(d, { seatId: t.seat.id, kind: "integration", rule: { enabled: true, threshold: credits(1000), packs: 1, maxPerCycle: 3 }, byUserId: t.ada.id }, new Date());
      const key = 20_000 + round;
      await barrier.hold(key);
      const answers = Promise.all(actors.map((a) => a.send({ op: "charge", barrier: key, workspaceId: t.ws.id, appId: t.app.id, count: 150, quantity: 1 })));
      await barrier.release(key, 2);
      const outcomes = (await answers).flatMap((a) => (a.ok ? a.outcomes : [a.error]));
      expect(outcomes.filter((o: string) => o === "charged")).toHaveLength(300);
      // The workers in both processes buy it; wait until it is applied.
      const autos = () => d.select().from(planChanges).where(and(eq(planChanges.accountId, t.seat.id), like(planChanges.decisionKey, "auto:%")));
      await expect.poll(async () => (await autos()).map((x) => x.status), { timeout: 30_000 }).toEqual(["applied"]);
      const lots = await d.select().from(topUpLots).where(and(eq(topUpLots.accountId, t.seat.id), eq(topUpLots.source, "auto")));
      expect({ round, lots: lots.length }).toEqual({ round, lots: 1 });
    }
    const stuck = await d.select().from(planChanges).where(inArray(planChanges.status, [...inFlight]));
    expect(stuck).toEqual([]);
    expect(await findUsageMismatches(d)).toEqual([]);
    expect(await findLotMismatches(d)).toEqual([]);
    expect(await findRollupMismatches(d)).toEqual([]);
  });
});
