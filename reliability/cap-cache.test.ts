import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditLedger } from "@/db/schema";
import { createAppKey } from "@/lib/apps/keys";
import { credits } from "@/lib/credits/amounts";
import { setAppCap } from "@/lib/credits/app-caps";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { freshDatabase, postUsage, startServer, type AppServer } from "@/tests/support/server";

// Two app processes remember an app key's lookup (its app, payer and cap) and group the calls
// of one app. A cap set a moment ago holds on the very next calls in both: the charge reads the
// cap from the app's row, never from what a process remembers.

let db: Awaited<ReturnType<typeof freshDatabase>>;
let servers: AppServer[];

beforeAll(async () => {
  db = await freshDatabase();
  servers = await Promise.all([startServer(db.url, 3731), startServer(db.url, 3732)]);
});
afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await db?.drop();
});

describe("a cap set while two processes remember the key", () => {
  it("40 calls at once right after the cap: exactly what fits is charged, the rest refused", async () => {
    const d = db.handle.db;
    const now = new Date();
    const owner = await makeUser(d, "Owner", new Date(now.getTime() - 40 * 86_400_000));
    const ws = await makeWorkspace(d, owner, { billingAnchor: new Date(now.getTime() - 3 * 86_400_000) });
    await makeSeat(d, ws, "starter", owner.id);
    const app = await makeApp(d, ws, owner, "Looping");
    const { key } = await createAppKey(d, app.id, owner.id, now);
    let n = 0;
    const call = (server: AppServer) => postUsage(server.base, key, `cap-${n++}`, { action: "integration.llm" }).then((r) => r.status);
    // Both processes have charged with the key, uncapped: each remembers it.
    for (let i = 0; i < 5; i++) expect(await Promise.all(servers.map(call))).toEqual([201, 201]);
    await setAppCap(d, { appId: app.id, cap: credits(10 + 5), byUserId: owner.id }, new Date());
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => call(servers[i % 2]!)));
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 402)).toHaveLength(35);
    const charged = await d.select().from(creditLedger).where(and(eq(creditLedger.appId, app.id), eq(creditLedger.outcome, "charged")));
    expect(charged).toHaveLength(15);
  });
});
