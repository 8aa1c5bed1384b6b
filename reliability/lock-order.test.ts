// @pooler: a release and a charge's locks on two pooled connections (CI runs this file again through PgBouncer)
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reservations, topUpLots } from "@/db/schema";
import { cycleOf, getAppPayer } from "@/lib/credits/accounts";
import { credits } from "@/lib/credits/amounts";
import { debitCredits, reserveCredits } from "@/lib/credits/debit";
import { releaseReservation } from "@/lib/credits/reservations";
import { grantTopUp } from "@/lib/billing/top-ups/settings";
import { makeApp, makeSeat, makeUser, makeWorkspace } from "@/tests/support/fixtures";
import { freshDatabase } from "@/tests/support/server";

// Releasing a hold that drew from top-ups gives its credits back to those lots; a charge of the
// same seat takes the usage row, then the lots (lib/credits/locks.ts). A release that took the
// lots first and the usage row after would deadlock with such a charge, and, waiting first, be
// the victim PostgreSQL aborts: the editor's failure path would throw and the hold wait for its
// expiry. The interleaving is built by hand: another transaction holds the usage row (as a
// charge does first) while the release runs, then asks for the lots (as a charge does next).

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => db?.drop());

describe("a hold released while a charge of the same seat holds its usage row and wants its lots", () => {
  it("the release waits for the charge, then gives the lots back: no deadlock, nothing lost", async () => {
    const d = db.handle.db;
    const now = new Date();
    const owner = await makeUser(d, "Owner", new Date(now.getTime() - 40 * 86_400_000));
    const ws = await makeWorkspace(d, owner, { billingAnchor: new Date(now.getTime() - 3 * 86_400_000) });
    const seat = await makeSeat(d, ws, "starter", owner.id);
    const app = await makeApp(d, ws, owner, "Storefront");
    const charge = (key: string, quantity: number, reserve = false) =>
      (reserve ? reserveCredits : debitCredits)(d, { key, action: "integration.llm", quantity, workspaceId: ws.id, actorUserId: null, appId: app.id }, now);
    // The allowance spent; the hold draws from the lots.
    expect((await charge("all", 2000)).outcome).toBe("charged");
    await grantTopUp(d, { seatId: seat.id, kind: "integration", credits: credits(500), reason: "test" }, now);
    const held = await charge("held", 10, true);
    expect(held.outcome).toBe("reserved");
    const cycleStart = cycleOf((await getAppPayer(d, app.id)).account, now).start;

    const other = postgres(db.url, { max: 1, onnotice: () => {} });
    const watcher = postgres(db.url, { max: 1, onnotice: () => {} });
    let release: Promise<boolean> | null = null;
    try {
      await other.begin(async (tx) => {
        await tx`select 1 from account_usage where account_id = ${seat.id} and cycle_start = ${cycleStart} for update`;
        release = releaseReservation(d, held.event.reservationId!, now);
        // Wait until the release waits on a lock (the usage row, or, taken the wrong way round, after the lots).
        for (let i = 0; ; i++) {
          const [w] = await watcher`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
          if (w!.n > 0) break;
          if (i > 200) throw new Error("the release never waited for the usage row");
          await new Promise((r) => setTimeout(r, 10));
        }
        await tx`select 1 from top_up_lots where account_id = ${seat.id} order by expires_at, id for update`;
      });
      expect(await release).toBe(true);
    } finally {
      await other.end();
      await watcher.end();
    }
    const [r] = await d.select().from(reservations).where(eq(reservations.id, held.event.reservationId!));
    expect(r!.status).toBe("released");
    const [lot] = await d.select().from(topUpLots).where(eq(topUpLots.accountId, seat.id));
    expect(lot!.used).toBe(0);
  });
});
