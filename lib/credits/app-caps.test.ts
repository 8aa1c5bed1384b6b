import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { appUsage, notifications } from "@/db/schema";
import { listAppsWithUsage } from "@/lib/apps/apps";
import { makeApp, makeUser, makeWorkspace, team, type Team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { credits } from "./amounts";
import { setAppCap } from "./app-caps";
import { debitCredits, reserveCredits } from "./debit";
import { releaseReservation, confirmReservation } from "./reservations";

// Per-app caps count what the app charged in its payer's cycle from the cycle's start, whenever
// the cap was set; they work for an owner on the free allowance; a released hold gives back its part.

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const mid = new Date("2026-07-20T12:00:00.000Z");
const call = (t: { ws: { id: string }; app: { id: string } }, quantity: number, at = mid) =>
  debitCredits(h.db, { key: randomUUID(), action: "integration.llm", quantity, workspaceId: t.ws.id, actorUserId: null, appId: t.app.id }, at);
const capUsed = async (t: Team) => (await listAppsWithUsage(h.db, t.ws.id, mid)).find((a) => a.id === t.app.id)!.capUsed;

describe("per-app caps", () => {
  it("a cap set mid-cycle counts what the app already spent this cycle", async () => {
    const t = await team(h.db);
    expect(await call(t, 1383)).toMatchObject({ outcome: "charged" });
    await setAppCap(h.db, { appId: t.app.id, cap: credits(1385), byUserId: t.ada.id }, mid);
    expect(await capUsed(t)).toBe(credits(1383));
    expect(await call(t, 2)).toMatchObject({ outcome: "charged" });
    expect(await call(t, 1)).toMatchObject({ outcome: "refused", refusal: "app_cap_reached" });
  });

  it("30 spent, then a cap of 20: the next call is refused", async () => {
    const t = await team(h.db);
    expect(await call(t, 30)).toMatchObject({ outcome: "charged" });
    await setAppCap(h.db, { appId: t.app.id, cap: credits(20), byUserId: t.ada.id }, mid);
    expect(await call(t, 1)).toMatchObject({ outcome: "refused", refusal: "app_cap_reached" });
  });

  it("an app whose owner has only the free allowance is stopped at its cap with app_cap_reached, and the owner is told in that workspace", async () => {
    const owner = await makeUser(h.db, "Free", new Date("2026-07-20T00:00:00Z"));
    const ws = await makeWorkspace(h.db, owner, { billingAnchor: null });
    const app = await makeApp(h.db, ws, owner, "Tiny");
    await setAppCap(h.db, { appId: app.id, cap: credits(3), byUserId: owner.id }, mid);
    expect(await call({ ws, app }, 2)).toMatchObject({ outcome: "charged" });
    expect(await call({ ws, app }, 2)).toMatchObject({ outcome: "refused", refusal: "app_cap_reached" });
    const [note] = await h.db.select().from(notifications).where(eq(notifications.userId, owner.id));
    expect(note).toMatchObject({ workspaceId: ws.id, kind: "integration" });
  });

  it("a held integration counts against the cap until released, and its release gives it back; a confirmed one stays counted", async () => {
    const t = await team(h.db);
    await setAppCap(h.db, { appId: t.app.id, cap: credits(10), byUserId: t.ada.id }, mid);
    const held = await reserveCredits(h.db, { key: randomUUID(), action: "integration.llm", quantity: 8, workspaceId: t.ws.id, actorUserId: null, appId: t.app.id }, mid);
    expect(held.outcome).toBe("reserved");
    expect(await capUsed(t)).toBe(credits(8));
    expect(await call(t, 3)).toMatchObject({ outcome: "refused", refusal: "app_cap_reached" });
    expect(await releaseReservation(h.db, held.event.reservationId!, mid)).toBe(true);
    expect(await capUsed(t)).toBe(0);
    const again = await reserveCredits(h.db, { key: randomUUID(), action: "integration.llm", quantity: 8, workspaceId: t.ws.id, actorUserId: null, appId: t.app.id }, mid);
    await confirmReservation(h.db, again.event.reservationId!, mid);
    const [row] = await h.db.select().from(appUsage).where(and(eq(appUsage.appId, t.app.id), eq(appUsage.payerAccountId, t.seat.id)));
    expect(row).toMatchObject({ charged: credits(8), reserved: 0 });
    expect(await call(t, 3)).toMatchObject({ outcome: "refused", refusal: "app_cap_reached" });
    expect(await call(t, 2)).toMatchObject({ outcome: "charged" });
  });
});
