// @pooler: the set-based batch with its JSON parameter, unprepared (CI runs this file again through PgBouncer)
import { addMonths } from "date-fns";
import { and, asc, eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { accountUsage, appUsage, apps, creditLedger, notifications, topUpLots } from "@/db/schema";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { getAppPayer } from "./accounts";
import { credits } from "./amounts";
import { debitBatch, type BatchAnswer } from "./batch";
import { INTEGRATION_ACTIONS, type ActionName } from "./costs";
import { debitCredits, type DebitInput } from "./debit";
import { DomainError } from "@/lib/errors";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const anchor = new Date("2026-07-05T09:00:00.000Z");
const now = new Date("2026-07-20T12:00:00.000Z");

type World = {
  seat: boolean;
  /** Credits used before the batch, short of the allowance by this much (whole credits). */
  leftBefore: number;
  lots: { credits: number; expired: boolean }[];
  cap: number | null;
};
type Ev = { key: number; action: ActionName; quantity: number };

let worlds = 0;
/** One payer's world: a seat (Starter: 2,000 integration credits) or the Free allowance (25 a day), its lots, its app and cap. */
async function build(w: World) {
  const n = ++worlds;
  const owner = await makeUser(h.db, `Owner${n}`, new Date("2026-06-01T00:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: anchor });
  const seat = w.seat ? await makeSeat(h.db, ws, "starter", owner.id) : null;
  const app = await makeApp(h.db, ws, owner, `App${n}`);
  const allowance = w.seat ? 2000 : 25;
  const preUse = allowance - Math.min(w.leftBefore, allowance);
  if (preUse > 0) {
    // Spent by another app of the same owner: the balance is low, the capped app's own count is not.
    const other = await makeApp(h.db, ws, owner, `Other${n}`);
    const r = await debitCredits(h.db, { key: `pre:${n}`, action: "integration.llm", quantity: preUse, workspaceId: ws.id, actorUserId: null, appId: other.id }, now);
    expect(r.outcome).toBe("charged");
  }
  if (seat) {
    for (const [i, l] of w.lots.entries()) {
      const purchasedAt = l.expired ? addMonths(now, -13) : addMonths(now, -i - 1);
      await h.db.insert(topUpLots).values({ workspaceId: ws.id, accountId: seat.id, kind: "integration", credits: credits(l.credits), purchasedAt, expiresAt: addMonths(purchasedAt, 12), source: "grant" });
    }
  }
  if (w.cap !== null) await h.db.update(apps).set({ integrationCap: credits(w.cap) }).where(eq(apps.id, app.id));
  const { app: fresh, account } = await getAppPayer(h.db, app.id);
  const input = (e: Ev): DebitInput => ({ key: `app:${app.id}:k${e.key}`, action: e.action, quantity: e.quantity, workspaceId: ws.id, actorUserId: null, appId: app.id, source: "api", payer: account, appCap: fresh.integrationCap });
  return { app, account, input };
}

/** What an answer says, without the ids that differ between two worlds. */
function said(a: BatchAnswer, lotIndex: Map<string, number>) {
  if ("error" in a) return { error: a.error.code };
  const r = a.result;
  const b = r.balance;
  return {
    outcome: r.outcome,
    replay: r.replay,
    refusal: r.outcome === "refused" ? r.refusal : null,
    amount: r.event.amount,
    fromAllowance: r.event.fromAllowance,
    lotParts: r.event.lotParts?.map((p) => [lotIndex.get(p.lotId), p.amount]) ?? null,
    balance: [b.allowance, b.used, b.reserved, b.remaining, b.topUp, b.available, b.topUpExpiresAt?.toISOString() ?? null],
  };
}

async function stateOf(world: Awaited<ReturnType<typeof build>>) {
  const lots = await h.db.select({ id: topUpLots.id, used: topUpLots.used }).from(topUpLots).where(eq(topUpLots.accountId, world.account.id)).orderBy(asc(topUpLots.purchasedAt));
  const [usage] = await h.db.select({ used: accountUsage.integrationUsed }).from(accountUsage).where(eq(accountUsage.accountId, world.account.id));
  const [capRow] = await h.db.select({ charged: appUsage.charged }).from(appUsage).where(eq(appUsage.appId, world.app.id));
  const ledger = await h.db.select({ outcome: creditLedger.outcome, amount: creditLedger.amount }).from(creditLedger).where(eq(creditLedger.appId, world.app.id)).orderBy(asc(creditLedger.id));
  const notices = await h.db.select({ threshold: notifications.threshold, dedupe: notifications.dedupeKey }).from(notifications).where(and(eq(notifications.accountId, world.account.id)));
  return {
    lotIndex: new Map(lots.map((l, i) => [l.id, i])),
    summary: {
      lots: lots.map((l) => l.used),
      used: usage?.used ?? 0,
      capCharged: capRow?.charged ?? 0,
      ledger,
      notices: notices.map((x) => x.threshold ?? (x.dedupe?.startsWith("cap:") ? "cap" : x.dedupe)).sort(),
    },
  };
}

const world = fc.record({
  seat: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  leftBefore: fc.integer({ min: 0, max: 30 }),
  lots: fc.array(fc.record({ credits: fc.integer({ min: 1, max: 30 }), expired: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  cap: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }) }),
});
const events = fc.array(
  fc.record({ key: fc.integer({ min: 0, max: 19 }), action: fc.constantFrom(...INTEGRATION_ACTIONS), quantity: fc.integer({ min: 1, max: 12 }) }),
  { minLength: 1, maxLength: 24, size: "large" },
);

describe("a batch charged as a set answers as the same events charged one by one", () => {
  it("same outcomes, balances, draws from lots, refusals, replays and conflicts; same rows and totals after", async () => {
    await fc.assert(
      fc.asyncProperty(world, events, async (w, evs) => {
        const one = await build(w);
        const set = await build(w);
        const sequential: BatchAnswer[] = [];
        for (const e of evs) {
          try {
            sequential.push({ result: await debitCredits(h.db, one.input(e), now) });
          } catch (err) {
            if (!(err instanceof DomainError)) throw err;
            sequential.push({ error: err });
          }
        }
        const batched = await debitBatch(h.db, evs.map(set.input), now);
        const a = await stateOf(one);
        const b = await stateOf(set);
        expect(batched.map((x) => said(x, b.lotIndex))).toEqual(sequential.map((x) => said(x, a.lotIndex)));
        expect(b.summary).toEqual(a.summary);
      }),
      { numRuns: 40, seed: 20261202 },
    );
  });

  it("a batch with a key already charged answers it as a replay and charges the rest; the same key with another body is its own 409", async () => {
    const w = await build({ seat: true, leftBefore: 10, lots: [], cap: null });
    const first = await debitBatch(h.db, [w.input({ key: 1, action: "integration.llm", quantity: 2 })], now);
    expect(first.map((x) => ("result" in x ? x.result.outcome : x.error.code))).toEqual(["charged"]);
    const again = await debitBatch(
      h.db,
      [w.input({ key: 1, action: "integration.llm", quantity: 2 }), w.input({ key: 2, action: "integration.llm", quantity: 3 }), w.input({ key: 1, action: "integration.llm", quantity: 5 })],
      now,
    );
    expect(again.map((x) => ("result" in x ? [x.result.outcome, x.result.replay] : x.error.code))).toEqual([["charged", true], ["charged", false], "idempotency_conflict"]);
    const [usage] = await h.db.select({ used: accountUsage.integrationUsed }).from(accountUsage).where(eq(accountUsage.accountId, w.account.id));
    expect(usage!.used).toBe(credits(2000 - 10 + 2 + 3));
  });
});
