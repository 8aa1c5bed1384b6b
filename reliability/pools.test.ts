import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountUsage, memberUsage } from "@/db/schema";
import { credits } from "@/lib/credits/amounts";
import { findLotMismatches, findRollupMismatches, findUsageMismatches } from "@/lib/credits/check";
import { setMemberLimits } from "@/lib/billing/pools/member-limits";
import { startPool } from "@/lib/billing/pools/start-pool";
import { makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { freshDatabase } from "@/tests/support/server";
import { Actor, Barrier } from "./processes";

// A shared pool with member limits under load across two processes: 300 messages at the same
// instant from 5 members; exactly the credits that fit are charged, nobody passes their limit,
// and the pool never goes below zero.

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

describe("a shared pool with member limits across two processes", () => {
  it("300 messages at once from 5 members: 100 charged (the pool), each limited member within their limit", async () => {
    const d = db.handle.db;
    const now = new Date();
    const joined = new Date(now.getTime() - 30 * 86_400_000);
    const [owner, a, b, c, e] = await Promise.all(["Owner", "A", "B", "C", "E"].map((n) => makeUser(d, n, joined)));
    const ws = await makeWorkspace(d, owner!, { billingAnchor: null, members: [a!, b!, c!, e!].map((m) => ({ id: m.id })) });
    // Starter: 100 message credits a month. A and B on the default (10), C on her own 25, E with none.
    const { poolId } = await startPool(d, { workspaceId: ws.id, planId: "starter", byUserId: owner!.id }, now);
    await setMemberLimits(d, { workspaceId: ws.id, byUserId: owner!.id, defaultLimit: credits(10) }, now);
    await setMemberLimits(d, { workspaceId: ws.id, byUserId: owner!.id, member: { userId: c!.id, limit: credits(25) } }, now);
    await setMemberLimits(d, { workspaceId: ws.id, byUserId: owner!.id, member: { userId: e!.id, limit: null } }, now);
    const limits = new Map([
      [a!.id, 10],
      [b!.id, 10],
      [c!.id, 25],
    ]);
    const everyone = [owner!, a!, b!, c!, e!];
    const key = 40_001;
    await barrier.hold(key);
    const answers = Promise.all(actors.map((x) => x.send({ op: "messages", barrier: key, workspaceId: ws.id, senders: everyone.map((p) => ({ userId: p.id, count: 30 })) })));
    await barrier.release(key, 2);
    const results = (await answers).flatMap((x) => {
      expect(x.error).toBeUndefined();
      return x.outcomes as { userId: string; outcome: string }[];
    });
    expect(results).toHaveLength(300);
    const charged = results.filter((r) => r.outcome === "charged");
    expect(charged).toHaveLength(100);
    for (const [userId, limit] of limits) expect(charged.filter((r) => r.userId === userId).length).toBeLessThanOrEqual(limit);
    // Every refusal is one of the two reasons, and a member refused for their limit had reached it.
    for (const r of results.filter((x) => x.outcome !== "charged")) expect(["member_limit", "insufficient_credits"]).toContain(r.outcome);
    for (const r of results.filter((x) => x.outcome === "member_limit")) expect(charged.filter((x) => x.userId === r.userId).length).toBe(limits.get(r.userId));
    const [pool] = await d.select().from(accountUsage).where(eq(accountUsage.accountId, poolId));
    expect(pool).toMatchObject({ messageUsed: credits(100), messageReserved: 0 });
    const rows = await d.select().from(memberUsage).where(eq(memberUsage.workspaceId, ws.id));
    expect(rows.reduce((s, r) => s + r.messageUsed, 0)).toBe(credits(100));
    expect(await findUsageMismatches(d)).toEqual([]);
    expect(await findLotMismatches(d)).toEqual([]);
    expect(await findRollupMismatches(d)).toEqual([]);
  });
});
