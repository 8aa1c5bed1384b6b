// @pooler: the one-statement charge and the general path, unprepared (CI runs this file again through PgBouncer)
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { accountUsage, creditLedger, notifications } from "@/db/schema";
import { makeApp, makeSeat, makeUser, makeWorkspace, writableRowCounts } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { getAccountBalance, getMemberBalance } from "./balance";
import { debitCredits, IdempotencyConflictError, reserveCredits, type DebitInput } from "./debit";
import { confirmReservation, releaseReservation, RESERVATION_TTL_MS } from "./reservations";
import { DomainError } from "@/lib/errors";
import { getActingAccount } from "./accounts";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const anchor = new Date("2026-01-31T10:00:00.000Z");
const midFeb = new Date("2026-02-10T12:00:00.000Z");
let n = 0;
const key = () => `test:${++n}:${Math.random()}`;

/** A workspace with an owner on `plan`, a teammate on `teammatePlan` (or free), and an app of the owner's. */
async function world(plan = "starter", teammatePlan: string | null = null) {
  const owner = await makeUser(h.db, "Owner", new Date("2026-01-01T00:00:00Z"));
  const mate = await makeUser(h.db, "Mate", new Date("2026-01-05T06:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: anchor, members: [{ id: mate.id }] });
  const ownerSeat = await makeSeat(h.db, ws, plan, owner.id);
  const mateSeat = teammatePlan ? await makeSeat(h.db, ws, teammatePlan, mate.id) : null;
  const app = await makeApp(h.db, ws, owner);
  return { owner, mate, ws, ownerSeat, mateSeat, app };
}

const usage = (accountId: string) => h.db.select().from(accountUsage).where(eq(accountUsage.accountId, accountId));

describe("who pays", () => {
  it("message credits come from the person who prompts; integration credits from the app's owner", async () => {
    const w = await world("builder", "starter");
    const msg = await debitCredits(h.db, { key: key(), action: "message.discuss", workspaceId: w.ws.id, actorUserId: w.mate.id, appId: w.app.id }, midFeb);
    expect(msg).toMatchObject({ outcome: "charged", event: { payerAccountId: w.mateSeat!.id, amount: 300, kind: "message" } });

    // The teammate runs an integration in the owner's app: the owner's seat pays.
    const integ = await debitCredits(h.db, { key: key(), action: "integration.email_custom_domain", workspaceId: w.ws.id, actorUserId: w.mate.id, appId: w.app.id }, midFeb);
    expect(integ).toMatchObject({ outcome: "charged", event: { payerAccountId: w.ownerSeat.id, payerUserId: w.owner.id, actorUserId: w.mate.id, amount: 2000 } });

    // An end user of the published app (no actor): the owner's seat pays too.
    const api = await debitCredits(h.db, { key: key(), action: "integration.llm", quantity: 3, workspaceId: w.ws.id, actorUserId: null, appId: w.app.id, source: "api" }, midFeb);
    expect(api).toMatchObject({ outcome: "charged", event: { payerAccountId: w.ownerSeat.id, amount: 3000 } });

    const [mateRow] = await usage(w.mateSeat!.id);
    const [ownerRow] = await usage(w.ownerSeat.id);
    expect([mateRow!.messageUsed, mateRow!.integrationUsed]).toEqual([300, 0]);
    expect([ownerRow!.messageUsed, ownerRow!.integrationUsed]).toEqual([0, 5000]);
  });

  it("a member without a seat pays with their free allowance", async () => {
    const w = await world("builder");
    const r = await debitCredits(h.db, { key: key(), action: "message.implement", workspaceId: w.ws.id, actorUserId: w.mate.id }, midFeb);
    const free = await getActingAccount(h.db, { workspaceId: w.ws.id, userId: w.mate.id });
    expect(free.type).toBe("free");
    expect(r).toMatchObject({ outcome: "charged", event: { payerAccountId: free.id }, balance: { allowance: 5000, used: 1000, remaining: 4000 } });
  });

  it("a manual edit is free but still recorded, with amount 0", async () => {
    const w = await world("starter");
    const before = await writableRowCounts(h.db);
    const r = await debitCredits(h.db, { key: key(), action: "edit.manual", workspaceId: w.ws.id, actorUserId: w.owner.id, appId: w.app.id }, midFeb);
    expect(r).toMatchObject({ outcome: "free", event: { amount: 0, kind: "none", outcome: "free" } });
    const after = await writableRowCounts(h.db);
    expect(after).toEqual({ ...before, ledger: before.ledger + 1 });
  });
});

describe("all or nothing, and out of credits", () => {
  it("refuses a request for more than what remains, whole, and records the refusal", async () => {
    const w = await world("starter"); // 2,000 integration credits
    await debitCredits(h.db, { key: key(), action: "integration.llm", quantity: 1999, workspaceId: w.ws.id, actorUserId: null, appId: w.app.id }, midFeb);
    const r = await debitCredits(h.db, { key: key(), action: "integration.email_custom_domain", workspaceId: w.ws.id, actorUserId: null, appId: w.app.id }, midFeb);
    expect(r.outcome).toBe("refused");
    if (r.outcome !== "refused") return;
    expect(r.kind).toBe("integration");
    expect(r.balance).toMatchObject({ allowance: 2_000_000, used: 1_999_000, remaining: 1000 });
    expect(r.resetsAt.toISOString()).toBe("2026-02-28T10:00:00.000Z");
    expect(r.event).toMatchObject({ outcome: "refused", amount: 2000 });
    const [row] = await usage(w.ownerSeat.id);
    expect(row!.integrationUsed).toBe(1_999_000);
    // What does fit still goes through.
    const fits = await debitCredits(h.db, { key: key(), action: "integration.llm", workspaceId: w.ws.id, actorUserId: null, appId: w.app.id }, midFeb);
    expect(fits).toMatchObject({ outcome: "charged", balance: { remaining: 0 } });
  });

  it("the free allowance refuses at the daily limit and says when the 24-hour window ends", async () => {
    const w = await world("builder"); // mate has no seat; signed up 2026-01-05T06:00Z
    const at = new Date("2026-02-10T05:59:00.000Z");
    for (let i = 0; i < 5; i++) {
      expect((await debitCredits(h.db, { key: key(), action: "message.implement", workspaceId: w.ws.id, actorUserId: w.mate.id }, at)).outcome).toBe("charged");
    }
    const r = await debitCredits(h.db, { key: key(), action: "message.discuss", workspaceId: w.ws.id, actorUserId: w.mate.id }, at);
    expect(r.outcome).toBe("refused");
    if (r.outcome === "refused") expect(r.resetsAt.toISOString()).toBe("2026-02-10T06:00:00.000Z");
    // One minute later the window has rolled: a full allowance, nothing carried over.
    const next = await debitCredits(h.db, { key: key(), action: "message.discuss", workspaceId: w.ws.id, actorUserId: w.mate.id }, new Date("2026-02-10T06:00:00.000Z"));
    expect(next).toMatchObject({ outcome: "charged", balance: { allowance: 5000, used: 300, remaining: 4700 } });
  });
});

describe("cycle boundaries", () => {
  it("charges the last millisecond of a cycle to that cycle and the first of the next to the next, with no rollover", async () => {
    const w = await world("starter");
    const last = new Date("2026-02-28T09:59:59.999Z");
    const first = new Date("2026-02-28T10:00:00.000Z");
    const a = await debitCredits(h.db, { key: key(), action: "message.discuss", workspaceId: w.ws.id, actorUserId: w.owner.id }, last);
    const b = await debitCredits(h.db, { key: key(), action: "message.discuss", workspaceId: w.ws.id, actorUserId: w.owner.id }, first);
    expect(a.event.cycleStart!.toISOString()).toBe("2026-01-31T10:00:00.000Z");
    expect(b.event.cycleStart!.toISOString()).toBe("2026-02-28T10:00:00.000Z");
    expect(a.balance).toMatchObject({ used: 300, remaining: 99_700 });
    // The new cycle starts at the full allowance, whatever was unused before.
    expect(b.balance).toMatchObject({ allowance: 100_000, used: 300, remaining: 99_700 });
    expect(b.balance.cycleEnd.toISOString()).toBe("2026-03-31T10:00:00.000Z");
    const rows = await usage(w.ownerSeat.id);
    expect(rows.map((r) => [r.cycleStart.toISOString(), r.messageUsed]).sort()).toEqual([
      ["2026-01-31T10:00:00.000Z", 300],
      ["2026-02-28T10:00:00.000Z", 300],
    ]);
  });

  it("reads a full allowance for a cycle nothing has touched, without writing a row", async () => {
    const w = await world("pro");
    const before = await writableRowCounts(h.db);
    const b = await getMemberBalance(h.db, { workspaceId: w.ws.id, userId: w.owner.id }, new Date("2026-06-01T00:00:00Z"));
    expect(b.message).toMatchObject({ allowance: 500_000, used: 0, remaining: 500_000 });
    expect(b.integration).toMatchObject({ allowance: 20_000_000, used: 0 });
    expect(b.message.cycleStart.toISOString()).toBe("2026-05-31T10:00:00.000Z");
    expect(await writableRowCounts(h.db)).toEqual(before);
  });
});

describe("idempotency", () => {
  it("a replay returns the first result and charges nothing more", async () => {
    const w = await world("starter");
    const input: DebitInput = { key: key(), action: "integration.image", quantity: 4, workspaceId: w.ws.id, actorUserId: null, appId: w.app.id };
    const first = await debitCredits(h.db, input, midFeb);
    const again = await debitCredits(h.db, input, new Date(midFeb.getTime() + 60_000));
    expect(first.replay).toBe(false);
    expect(again.replay).toBe(true);
    expect(again.event.id).toBe(first.event.id);
    expect(again.balance).toEqual(first.balance);
    const [row] = await usage(w.ownerSeat.id);
    expect(row!.integrationUsed).toBe(4000);
  });

  it("the same key with a different request is an error that writes nothing", async () => {
    const w = await world("starter");
    const input: DebitInput = { key: key(), action: "integration.image", quantity: 4, workspaceId: w.ws.id, actorUserId: null, appId: w.app.id };
    await debitCredits(h.db, input, midFeb);
    const before = await writableRowCounts(h.db);
    await expect(debitCredits(h.db, { ...input, quantity: 5 }, midFeb)).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(debitCredits(h.db, { ...input, action: "integration.llm" }, midFeb)).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await writableRowCounts(h.db)).toEqual(before);
  });
});

describe("concurrency", () => {
  it("200 debits of 1 credit at once against 100: exactly 100 succeed, balance 0, 100 charged events", async () => {
    const w = await world("starter"); // 100 message credits
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        debitCredits(h.db, { key: key(), action: "message.implement", workspaceId: w.ws.id, actorUserId: w.owner.id }, midFeb),
      ),
    );
    expect(results.filter((r) => r.outcome === "charged")).toHaveLength(100);
    expect(results.filter((r) => r.outcome === "refused")).toHaveLength(100);
    const b = await getAccountBalance(h.db, await getActingAccount(h.db, { workspaceId: w.ws.id, userId: w.owner.id }), midFeb);
    expect(b.message).toMatchObject({ used: 100_000, remaining: 0 });
    const [charged] = await h.db
      .select({ n: count() })
      .from(creditLedger)
      .where(and(eq(creditLedger.payerAccountId, w.ownerSeat.id), eq(creditLedger.outcome, "charged")));
    expect(charged!.n).toBe(100);
  });

  it("concurrent first touches of a new cycle all charge: none is refused while credits remain", async () => {
    const w = await world("builder");
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        debitCredits(h.db, { key: key(), action: "integration.llm", workspaceId: w.ws.id, actorUserId: null, appId: w.app.id }, midFeb),
      ),
    );
    expect(results.map((r) => r.outcome).filter((o) => o !== "charged")).toEqual([]);
    const [row] = await usage(w.ownerSeat.id);
    expect(row!.integrationUsed).toBe(200_000);
  });

  it("50 concurrent replays of one idempotency key charge once", async () => {
    const w = await world("starter");
    const input: DebitInput = { key: key(), action: "integration.llm", quantity: 7, workspaceId: w.ws.id, actorUserId: null, appId: w.app.id };
    const results = await Promise.all(Array.from({ length: 50 }, () => debitCredits(h.db, input, midFeb)));
    expect(new Set(results.map((r) => r.event.id)).size).toBe(1);
    expect(results.every((r) => r.outcome === "charged")).toBe(true);
    expect(results.filter((r) => !r.replay).length).toBe(1);
    const [row] = await usage(w.ownerSeat.id);
    expect(row!.integrationUsed).toBe(7000);
    const [events] = await h.db.select({ n: count() }).from(creditLedger).where(eq(creditLedger.idempotencyKey, input.key));
    expect(events!.n).toBe(1);
  });

  it("sends one 80% and one 100% notice per cycle, even when crossing debits race", async () => {
    const w = await world("starter");
    // 30 concurrent LLM calls of 100 credits each against Starter's 2,000: 20 fit, 10 are refused.
    const race = () =>
      Promise.all(
        Array.from({ length: 30 }, () =>
          debitCredits(h.db, { key: key(), action: "integration.llm", quantity: 100, workspaceId: w.ws.id, actorUserId: null, appId: w.app.id }, midFeb),
        ),
      );
    await race(); // 20 of 30 fit (2,000 credits): crosses 80% and 100%
    await race(); // all refused: no new notice
    const rows = await h.db.select().from(notifications).where(eq(notifications.accountId, w.ownerSeat.id));
    expect(rows.map((r) => [r.kind, r.threshold, r.userId]).sort()).toEqual([
      ["integration", 100, w.owner.id],
      ["integration", 80, w.owner.id],
    ]);
  });
});

describe("reservations: no charge without a result", () => {
  it("a released reservation costs nothing; a confirmed one is charged once", async () => {
    const w = await world("starter");
    const held = await reserveCredits(h.db, { key: key(), action: "message.implement", workspaceId: w.ws.id, actorUserId: w.owner.id }, midFeb);
    expect(held).toMatchObject({ outcome: "reserved", balance: { used: 0, reserved: 1000, remaining: 99_000 } });
    expect(await releaseReservation(h.db, held.event.reservationId!, midFeb)).toBe(true);
    expect(await releaseReservation(h.db, held.event.reservationId!, midFeb)).toBe(false);
    let [row] = await usage(w.ownerSeat.id);
    expect([row!.messageUsed, row!.messageReserved]).toEqual([0, 0]);

    const held2 = await reserveCredits(h.db, { key: key(), action: "message.discuss", workspaceId: w.ws.id, actorUserId: w.owner.id }, midFeb);
    const charged = await confirmReservation(h.db, held2.event.reservationId!, midFeb);
    const again = await confirmReservation(h.db, held2.event.reservationId!, midFeb);
    expect(again.id).toBe(charged.id);
    expect(charged).toMatchObject({ outcome: "charged", amount: 300, balanceUsed: 300 });
    [row] = await usage(w.ownerSeat.id);
    expect([row!.messageUsed, row!.messageReserved]).toEqual([300, 0]);
  });

  it("a reservation left hanging is released by the next balance read after it expires", async () => {
    const w = await world("starter");
    const held = await reserveCredits(h.db, { key: key(), action: "message.implement", workspaceId: w.ws.id, actorUserId: w.owner.id }, midFeb);
    const account = await getActingAccount(h.db, { workspaceId: w.ws.id, userId: w.owner.id });
    const early = await getAccountBalance(h.db, account, new Date(midFeb.getTime() + RESERVATION_TTL_MS - 1));
    expect(early.message.reserved).toBe(1000);
    const late = await getAccountBalance(h.db, account, new Date(midFeb.getTime() + RESERVATION_TTL_MS));
    expect(late.message).toMatchObject({ used: 0, reserved: 0, remaining: 100_000 });
    await expect(confirmReservation(h.db, held.event.reservationId!, new Date(midFeb.getTime() + RESERVATION_TTL_MS + 1))).rejects.toThrow(/expired/);
  });

  it("held credits count against the balance: a debit cannot spend what a reservation holds", async () => {
    const w = await world("starter");
    await reserveCredits(h.db, { key: key(), action: "message.implement", workspaceId: w.ws.id, actorUserId: w.owner.id }, midFeb);
    await debitCredits(h.db, { key: key(), action: "message.implement", quantity: 99, workspaceId: w.ws.id, actorUserId: w.owner.id }, midFeb);
    const r = await debitCredits(h.db, { key: key(), action: "message.discuss", workspaceId: w.ws.id, actorUserId: w.owner.id }, midFeb);
    expect(r.outcome).toBe("refused");
  });
});

describe("bad input leaves the database unchanged", () => {
  it.each([
    ["zero", { quantity: 0 }],
    ["negative", { quantity: -5 }],
    ["fractional", { quantity: 1.5 }],
    ["huge", { quantity: 1_000_001 }],
    ["not a number", { quantity: "3" as unknown as number }],
    ["NaN", { quantity: Number.NaN }],
    ["unknown action", { action: "integration.teleport" as never }],
    ["empty key", { key: "" }],
  ])("%s", async (_label, patch) => {
    const w = await world("starter");
    const before = await writableRowCounts(h.db);
    const input = { key: key(), action: "integration.llm" as const, workspaceId: w.ws.id, actorUserId: null, appId: w.app.id, ...patch };
    await expect(debitCredits(h.db, input, midFeb)).rejects.toBeInstanceOf(DomainError);
    expect(await writableRowCounts(h.db)).toEqual(before);
  });

  it("an app of another workspace is not found, and nothing is written", async () => {
    const w1 = await world("starter");
    const w2 = await world("starter");
    const before = await writableRowCounts(h.db);
    await expect(
      debitCredits(h.db, { key: key(), action: "integration.llm", workspaceId: w1.ws.id, actorUserId: null, appId: w2.app.id }, midFeb),
    ).rejects.toMatchObject({ code: "not_found" });
    expect(await writableRowCounts(h.db)).toEqual(before);
  });
});

describe("deadlines", () => {
  it("a charge whose deadline has passed is abandoned: nothing written, a deadline error", async () => {
    const w = await world("starter");
    const before = await writableRowCounts(h.db);
    const input: DebitInput = { key: key(), action: "integration.llm", workspaceId: w.ws.id, actorUserId: null, appId: w.app.id, deadline: new Date(Date.now() - 1) };
    await expect(debitCredits(h.db, input, midFeb)).rejects.toMatchObject({ code: "DEADLINE_EXCEEDED" });
    expect(await writableRowCounts(h.db)).toEqual(before);
    // With time left, the same request goes through.
    await expect(debitCredits(h.db, { ...input, deadline: new Date(Date.now() + 60_000) }, midFeb)).resolves.toMatchObject({ outcome: "charged" });
  });
});
