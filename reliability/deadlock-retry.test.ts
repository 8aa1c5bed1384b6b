// @pooler: a deadlock broken by the server and retried on a pooled connection (CI runs this file again through PgBouncer)
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appUsage, creditLedger } from "@/db/schema";
import { cycleOf, getAppPayer } from "@/lib/credits/accounts";
import { debitCredits } from "@/lib/credits/debit";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { freshDatabase } from "@/tests/support/server";

// A charge caught in a deadlock that PostgreSQL breaks by aborting it is run again, whole: the
// caller sees a charge, not an error. The interleaving is built by hand: another transaction
// holds the app's cap row (as a capped charge does first) while the charge, holding the usage
// row, reaches that cap row through the rollup trigger; then the other asks for the usage row.

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.drop());

describe("a charge that PostgreSQL picks as a deadlock's victim", () => {
  it("is run again and charged once", async () => {
    const d = db.handle.db;
    const now = new Date();
    const owner = await makeUser(d, "Owner", new Date(now.getTime() - 40 * 86_400_000));
    const ws = await makeWorkspace(d, owner, { billingAnchor: new Date(now.getTime() - 3 * 86_400_000) });
    const seat = await makeSeat(d, ws, "starter", owner.id);
    const app = await makeApp(d, ws, owner, "Storefront");
    const charge = (key: string) => debitCredits(d, { key, action: "integration.llm", workspaceId: ws.id, actorUserId: null, appId: app.id }, now);
    // The usage row and the app's row of this cycle exist.
    expect((await charge("first")).outcome).toBe("charged");
    const cycleStart = cycleOf((await getAppPayer(d, app.id)).account, now).start;

    const other = postgres(db.url, { max: 1, onnotice: () => {} });
    const watcher = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      let second: Promise<unknown> | null = null;
      const holder = other.begin(async (tx) => {
        await tx`select 1 from app_usage where app_id = ${app.id} and payer_account_id = ${seat.id} and cycle_start = ${cycleStart} for update`;
        second = charge("second");
        // Wait until the charge holds the usage row and waits for the app's row.
        for (let i = 0; ; i++) {
          const [w] = await watcher`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
          if (w!.n > 0) break;
          if (i > 200) throw new Error("the charge never waited for the app's row");
          await new Promise((r) => setTimeout(r, 10));
        }
        await tx`select 1 from account_usage where account_id = ${seat.id} and cycle_start = ${cycleStart} for update`;
      });
      // The charge waited first, so its deadlock check fires first: it is the victim, and runs again.
      await holder;
      expect(await second).toMatchObject({ outcome: "charged", replay: false });
    } finally {
      await other.end();
      await watcher.end();
    }
    const rows = await d.select().from(creditLedger).where(eq(creditLedger.appId, app.id));
    expect(rows.map((r) => r.idempotencyKey.split(":").pop()).sort()).toEqual(["first", "second"]);
    const [cap] = await d.select({ charged: appUsage.charged }).from(appUsage).where(eq(appUsage.appId, app.id));
    expect(cap!.charged).toBe(2000);
  });
});
