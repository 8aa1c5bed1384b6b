import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createAppKey } from "@/lib/apps/keys";
import { credits } from "@/lib/credits/amounts";
import { debitCredits } from "@/lib/credits/debit";
import { setMemberLimits } from "@/lib/billing/pools/member-limits";
import { startPool } from "@/lib/billing/pools/start-pool";
import { makeApp, makeUser, makeWorkspace, team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { getBalanceForAppKey, postUsage } from "./usage";
import { getWorkspaceCredits } from "./workspace-credits";

// The API of a shared pool: an app key's balance is the pool's; owners and admins read the pool
// and every member's allocation.

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const now = new Date("2026-07-20T12:00:00.000Z");

async function poolWorkspace() {
  const joined = new Date("2026-06-01T00:00:00Z");
  const [ada, linus, ken] = await Promise.all(["Ada", "Linus", "Ken"].map((n) => makeUser(h.db, n, joined)));
  const ws = await makeWorkspace(h.db, ada!, { billingAnchor: new Date("2026-07-05T09:00:00.000Z"), members: [{ id: linus!.id, role: "admin" }, { id: ken!.id }] });
  await startPool(h.db, { workspaceId: ws.id, planId: "builder", byUserId: ada!.id }, now);
  const app = await makeApp(h.db, ws, ken!, "Kiosk");
  const { key } = await createAppKey(h.db, app.id, ken!.id, now);
  return { ada: ada!, linus: linus!, ken: ken!, ws, app, key };
}

describe("a shared pool through the API", () => {
  it("an app key charges the pool and reads the pool's balance", async () => {
    const p = await poolWorkspace();
    const res = await postUsage(h.db, new Request("http://x/api/v1/usage", { method: "POST", headers: { authorization: `Bearer ${p.key}`, "idempotency-key": "k1", "content-type": "application/json" }, body: JSON.stringify({ action: "integration.llm", quantity: 4 }) }), now);
    expect(res.status).toBe(201);
    const balance = await (await getBalanceForAppKey(h.db, new Request("http://x", { headers: { authorization: `Bearer ${p.key}` } }), now)).json();
    expect(balance.integration).toMatchObject({ allowance: 10000, used: 4, remaining: 9996 });
  });

  it("GET /api/v1/workspace/credits: the pool and each member's allocation, for owners and admins only", async () => {
    const p = await poolWorkspace();
    await setMemberLimits(h.db, { workspaceId: p.ws.id, byUserId: p.ada.id, defaultLimit: credits(20) }, now);
    await setMemberLimits(h.db, { workspaceId: p.ws.id, byUserId: p.ada.id, member: { userId: p.ken.id, limit: credits(30) } }, now);
    await debitCredits(h.db, { key: randomUUID(), action: "message.implement", workspaceId: p.ws.id, actorUserId: p.ken.id }, now);
    await debitCredits(h.db, { key: randomUUID(), action: "message.discuss", workspaceId: p.ws.id, actorUserId: p.linus.id }, now);
    const res = await getWorkspaceCredits(h.db, p.ws.id, p.linus.id, now);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ model: "pool", planId: "builder", creditPool: { message: { allowance: 250, used: 1.3, remaining: 248.7 }, integration: { allowance: 10000, used: 0 } } });
    const byName = Object.fromEntries(body.memberAllocations.map((a: { name: string }) => [a.name, a]));
    expect(byName.Ada).toMatchObject({ role: "owner", limit: null, isDefault: false, used: 0, remaining: null });
    expect(byName.Linus).toMatchObject({ role: "admin", limit: 20, isDefault: true, used: 0.3, remaining: 19.7 });
    expect(byName.Ken).toMatchObject({ role: "member", limit: 30, isDefault: false, used: 1, remaining: 29 });
    await expect(getWorkspaceCredits(h.db, p.ws.id, p.ken.id, now)).rejects.toMatchObject({ code: "forbidden" });
  });

  it("409 for a workspace on seats", async () => {
    const t = await team(h.db);
    const res = await getWorkspaceCredits(h.db, t.ws.id, t.ada.id, now);
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe("not_a_pool");
  });
});
