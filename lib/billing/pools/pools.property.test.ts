import { randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { topUpLots } from "@/db/schema";
import { makeApp, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { credits } from "@/lib/credits/amounts";
import { findLotMismatches, findUsageMismatches } from "@/lib/credits/check";
import { costOf } from "@/lib/credits/costs";
import { debitCredits } from "@/lib/credits/debit";
import { findPool } from "@/lib/credits/model-switch";
import { scheduleModelSwitch } from "@/lib/billing/pools/switch-model";
import { setMemberLimits } from "@/lib/billing/pools/member-limits";
import { startPool } from "@/lib/billing/pools/start-pool";
import { grantTopUp } from "@/lib/billing/top-ups/settings";

// Random sequences of messages, integrations, limit changes and top-ups against a Starter pool
// (100 message / 2,000 integration credits), each answer compared with a plain model of the
// rules (the limit first, then the pool: allowance, then top-ups), then a switch to seats at the
// billing date. After every sequence: ledger = pool usage + member rows + lots.

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const anchor = new Date("2026-07-05T09:00:00.000Z");
const at = (minute: number) => new Date(Date.UTC(2026, 6, 10, 12, minute));

type Op =
  | { op: "message"; who: number; action: "message.discuss" | "message.implement" }
  | { op: "integration"; quantity: number }
  | { op: "default"; limit: number | null }
  | { op: "override"; who: number; limit: number | null | "default" }
  | { op: "topUp"; kind: "message" | "integration"; credits: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("message" as const), who: fc.integer({ min: 0, max: 2 }), action: fc.constantFrom("message.discuss" as const, "message.implement" as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("integration" as const), quantity: fc.integer({ min: 1, max: 700 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("default" as const), limit: fc.option(fc.integer({ min: 0, max: 8 }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("override" as const), who: fc.integer({ min: 1, max: 2 }), limit: fc.oneof(fc.constant("default" as const), fc.constant(null), fc.integer({ min: 0, max: 10 })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("topUp" as const), kind: fc.constantFrom("message" as const, "integration" as const), credits: fc.integer({ min: 1, max: 3 }) }) },
);

describe("a shared pool under random sequences (fast-check)", () => {
  it("answers every charge as the model says, never past the pool or a member's limit, and the ledger agrees with every row", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        const joined = new Date("2026-06-01T00:00:00Z");
        const people = await Promise.all(["Owner", "Member A", "Member B"].map((n) => makeUser(h.db, n, joined)));
        const ws = await makeWorkspace(h.db, people[0]!, { billingAnchor: anchor, members: [{ id: people[1]!.id }, { id: people[2]!.id }] });
        const app = await makeApp(h.db, ws, people[1]!, "App");
        const { poolId } = await startPool(h.db, { workspaceId: ws.id, planId: "starter", byUserId: people[0]!.id }, at(0));

        // The model: the pool's allowance left per kind, its lots (earliest expiry first: all
        // granted in order, so the order of grants), each member's use and limit.
        const left = { message: credits(100), integration: credits(2000) };
        const lots: Record<"message" | "integration", number[]> = { message: [], integration: [] };
        const used = [0, 0, 0];
        let defaultLimit: number | null = null;
        const own: (number | null | "default")[] = ["default", "default", "default"];
        const limitOf = (who: number) => (who === 0 ? null : own[who] === "default" ? defaultLimit : (own[who] as number | null));
        const take = (kind: "message" | "integration", amount: number) => {
          const lotsLeft = lots[kind].reduce((s, l) => s + l, 0);
          if (left[kind] + lotsLeft < amount) return false;
          const fromAllowance = Math.min(left[kind], amount);
          left[kind] -= fromAllowance;
          let owed = amount - fromAllowance;
          for (let i = 0; i < lots[kind].length && owed > 0; i++) {
            const part = Math.min(lots[kind][i]!, owed);
            lots[kind][i]! -= part;
            owed -= part;
          }
          return true;
        };

        for (const [i, o] of ops.entries()) {
          const when = at(i + 1);
          if (o.op === "message") {
            const amount = costOf(o.action, 1);
            const limit = limitOf(o.who);
            const expected = limit !== null && used[o.who]! + amount > limit ? "member_limit" : take("message", amount) ? "charged" : "insufficient_credits";
            if (expected === "charged") used[o.who]! += amount;
            const r = await debitCredits(h.db, { key: randomUUID(), action: o.action, workspaceId: ws.id, actorUserId: people[o.who]!.id }, when);
            expect(r.outcome === "refused" ? r.refusal : r.outcome).toBe(expected);
            if (limit !== null) expect(used[o.who]).toBeLessThanOrEqual(limit);
          } else if (o.op === "integration") {
            const amount = costOf("integration.llm", o.quantity);
            const expected = take("integration", amount) ? "charged" : "insufficient_credits";
            const r = await debitCredits(h.db, { key: randomUUID(), action: "integration.llm", quantity: o.quantity, workspaceId: ws.id, actorUserId: null, appId: app.id }, when);
            expect(r.outcome === "refused" ? r.refusal : r.outcome).toBe(expected);
          } else if (o.op === "default") {
            defaultLimit = o.limit === null ? null : credits(o.limit);
            await setMemberLimits(h.db, { workspaceId: ws.id, byUserId: people[0]!.id, defaultLimit }, when);
          } else if (o.op === "override") {
            own[o.who] = o.limit === "default" || o.limit === null ? o.limit : credits(o.limit);
            await setMemberLimits(h.db, { workspaceId: ws.id, byUserId: people[0]!.id, member: { userId: people[o.who]!.id, limit: own[o.who]! } }, when);
          } else {
            lots[o.kind].push(credits(o.credits));
            await grantTopUp(h.db, { seatId: poolId, kind: o.kind, credits: credits(o.credits), reason: "property test" }, when);
          }
        }
        expect(await findUsageMismatches(h.db)).toEqual([]);
        expect(await findLotMismatches(h.db)).toEqual([]);

        // The switch back to seats at the billing date: the pool ends, its unexpired top-ups pause, nothing else moves.
        const { effectiveAt } = await scheduleModelSwitch(h.db, { workspaceId: ws.id, to: "seats", byUserId: people[0]!.id }, at(59));
        const after = new Date(effectiveAt.getTime() + 1000);
        const r = await debitCredits(h.db, { key: randomUUID(), action: "message.discuss", workspaceId: ws.id, actorUserId: people[1]!.id }, after);
        expect(r.event.payerAccountId).not.toBe(poolId);
        expect(await findPool(h.db, ws.id)).toBeNull();
        const active = await h.db.select().from(topUpLots).where(and(eq(topUpLots.accountId, poolId), isNull(topUpLots.pausedAt)));
        expect(active).toEqual([]);
        expect(await findUsageMismatches(h.db)).toEqual([]);
        expect(await findLotMismatches(h.db)).toEqual([]);
      }),
      { numRuns: 25, seed: 20261203 },
    );
  }, 240_000);
});
