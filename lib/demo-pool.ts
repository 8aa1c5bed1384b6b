/** The demo's second workspace, Northwind on a shared Pro pool, and the seeded randomness and day length both demo workspaces use. */
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, creditAccounts, memberships, users, workspaces } from "@/db/schema";
import { testModeProvider } from "@/lib/billing/payments/provider";
import { setMemberLimits } from "@/lib/billing/pools/member-limits";
import { startPool } from "@/lib/billing/pools/start-pool";
import { credits } from "@/lib/credits/amounts";
import type { ActionName } from "@/lib/credits/costs";
import { debitCredits } from "@/lib/credits/debit";

export const DAY = 24 * 60 * 60 * 1000;

/** A small deterministic PRNG (mulberry32) so the demo history is the same on every machine. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int };
}

/** The second demo workspace: Northwind, on a shared Pro pool, with member limits. */
export const POOL_DEMO = {
  workspace: "Northwind",
  plan: "pro" as const,
  owner: "ada@example.com",
  members: [
    { email: "ken@example.com", name: "Ken Thompson", limit: null },
    { email: "margaret@example.com", name: "Margaret Hamilton", limit: 150 },
  ],
  defaultLimit: 60,
};

/**
 * Northwind: Ada owns it, Ken (on the default limit) and Margaret (a limit of her own) draw from
 * one Pro pool; 60 days of messages and an app's integrations, charged through the engine itself
 * (so the pool, the members' rows and the ledger agree by construction, refusals included).
 */
export async function seedPoolDemo(db: Db, now: Date, passwordHash: string) {
  const started = new Date(now.getTime() - 62 * DAY);
  const anchor = new Date(Math.floor(started.getTime() / DAY) * DAY + 10 * 3600_000);
  const [ada] = await db.select().from(users).where(eq(users.email, POOL_DEMO.owner));
  const [ken] = await db.select().from(users).where(eq(users.email, "ken@example.com"));
  const [margaret] = await db.insert(users).values({ email: "margaret@example.com", name: "Margaret Hamilton", passwordHash, createdAt: started }).returning();
  await db.insert(creditAccounts).values({ type: "free", planId: "free", holderUserId: margaret!.id, anchorAt: started, createdAt: started });
  const [ws] = await db.insert(workspaces).values({ name: POOL_DEMO.workspace, ownerId: ada!.id, billingAnchor: anchor, createdAt: started }).returning();
  await db.insert(memberships).values([
    { workspaceId: ws!.id, userId: ada!.id, role: "owner", createdAt: started },
    { workspaceId: ws!.id, userId: ken!.id, role: "member", createdAt: started },
    { workspaceId: ws!.id, userId: margaret!.id, role: "member", createdAt: started },
  ]);
  // Demo purchases are never real, whatever provider this process pays with.
  await startPool(db, { workspaceId: ws!.id, planId: POOL_DEMO.plan, byUserId: ada!.id }, anchor, testModeProvider);
  await setMemberLimits(db, { workspaceId: ws!.id, byUserId: ada!.id, defaultLimit: credits(POOL_DEMO.defaultLimit) }, anchor);
  await setMemberLimits(db, { workspaceId: ws!.id, byUserId: ada!.id, member: { userId: margaret!.id, limit: credits(150) } }, anchor);
  const [app] = await db
    .insert(apps)
    .values({ workspaceId: ws!.id, ownerUserId: margaret!.id, name: "Field notes", design: { title: "Field notes", tagline: "Notes from the road", accent: "#0d9488" }, createdAt: anchor })
    .returning();
  const r = rng(20261203);
  const mix: ActionName[] = ["message.discuss", "message.discuss", "message.discuss", "message.implement"];
  const people = [
    { id: ada!.id, per: [0, 3] },
    { id: ken!.id, per: [1, 5] },
    { id: margaret!.id, per: [2, 8] },
  ] as const;
  let n = 0;
  for (let d = 60; d >= 0; d--) {
    const dayStart = Math.floor((now.getTime() - d * DAY) / DAY) * DAY;
    const at = () => new Date(dayStart + r.int(7 * 3600, 21 * 3600) * 1000);
    const todays: { at: Date; run: (at: Date) => Promise<unknown> }[] = [];
    for (const p of people) {
      for (let i = r.int(p.per[0], p.per[1]); i > 0; i--) {
        const action = mix[r.int(0, mix.length - 1)]!;
        todays.push({ at: at(), run: (when) => debitCredits(db, { key: `seed:northwind:${n++}`, action, workspaceId: ws!.id, actorUserId: p.id, source: "editor" }, when) });
      }
    }
    for (let i = r.int(1, 4); i > 0; i--) {
      const quantity = r.int(5, 60);
      todays.push({ at: at(), run: (when) => debitCredits(db, { key: `seed:northwind:${n++}`, action: "integration.llm", quantity, workspaceId: ws!.id, actorUserId: null, appId: app!.id, source: "api" }, when) });
    }
    for (const e of todays.filter((e) => e.at < now).sort((a, b) => a.at.getTime() - b.at.getTime())) await e.run(e.at);
  }
}
