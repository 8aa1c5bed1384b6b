import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { auditLog, creditAccounts, memberships, planChanges, seatTransfers, workspaces } from "@/db/schema";
import { makeApp, makeUser, makeWorkspace, team as makeTeam, writableRowCounts } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { getActingAccount } from "@/lib/credits/accounts";
import { getMemberBalance } from "@/lib/credits/balance";
import { debitCredits } from "@/lib/credits/debit";
import { addSeat } from "@/lib/billing/seats/add-seat";
import { cancelPaidPlan, removeSeat, resumePaidPlan, undoScheduledChange } from "@/lib/billing/seats/end-seats";
import { changeSeatPlan } from "@/lib/billing/seats/change-plan";
import { settleWorkspaceDueChanges } from "@/lib/credits/scheduled-changes";
import { transferSeat } from "@/lib/billing/seats/transfer-seat";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const anchor = new Date("2026-07-05T09:00:00.000Z");
const mid = new Date("2026-07-20T12:00:00.000Z");
let n = 0;
const key = () => `pc:${++n}:${Math.random()}`;

const team = () => makeTeam(h.db, { anchor, adaSeat: null, linusSeat: "starter", graceRole: "admin" });

async function spend(t: Awaited<ReturnType<typeof team>>, userId: string, credits: number, at = mid) {
  const r = await debitCredits(h.db, { key: key(), action: "message.implement", quantity: credits, workspaceId: t.ws.id, actorUserId: userId }, at);
  expect(r.outcome).toBe("charged");
}

describe("upgrades take effect at once and keep usage", () => {
  it("Starter → Builder mid-cycle: 100 used of the new 250", async () => {
    const t = await team();
    await spend(t, t.linus.id, 100);
    expect((await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, mid)).message).toMatchObject({ allowance: 100_000, used: 100_000, remaining: 0 });
    const r = await changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "builder", byUserId: t.ada.id }, mid);
    expect(r.effect).toBe("now");
    const b = await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, mid);
    expect(b.message).toMatchObject({ allowance: 250_000, used: 100_000, remaining: 150_000 });
    expect(b.integration).toMatchObject({ allowance: 10_000_000 });
    expect(b.message.cycleStart.toISOString()).toBe("2026-07-05T09:00:00.000Z");
    const [audit] = await h.db.select().from(auditLog).where(and(eq(auditLog.workspaceId, t.ws.id), eq(auditLog.action, "plan.upgraded")));
    expect(audit).toMatchObject({ actorUserId: t.ada.id, targetId: t.linusSeat.id, details: { from: "starter", to: "builder" } });
  });

  it("an upgrade before any use this cycle still gives the new allowance", async () => {
    const t = await team();
    await changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "elite", byUserId: t.ada.id }, mid);
    expect((await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, mid)).message).toMatchObject({ allowance: 1_200_000, used: 0 });
  });
});

describe("downgrades, removals and cancellation wait for the cycle's end", () => {
  it("a downgrade is pending until the cycle ends, then the next cycle is on the lower plan", async () => {
    const t = await team();
    await changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "pro", byUserId: t.ada.id }, mid);
    const r = await changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "starter", byUserId: t.ada.id }, mid);
    expect(r.effect).toBe("scheduled");
    if (r.effect !== "scheduled") return;
    expect(r.effectiveAt.toISOString()).toBe("2026-08-05T09:00:00.000Z");
    // Still Pro for the rest of this cycle.
    expect((await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, new Date("2026-08-05T08:59:59.999Z"))).message.allowance).toBe(500_000);
    // The next cycle, touched first by a debit, is Starter.
    const d = await debitCredits(h.db, { key: key(), action: "message.discuss", workspaceId: t.ws.id, actorUserId: t.linus.id }, new Date("2026-08-05T09:00:00.000Z"));
    expect(d.balance).toMatchObject({ allowance: 100_000, used: 300 });
    const [change] = await h.db.select().from(planChanges).where(eq(planChanges.id, r.change.id));
    expect(change!.status).toBe("applied");
    const [seat] = await h.db.select().from(creditAccounts).where(eq(creditAccounts.id, t.linusSeat.id));
    expect(seat).toMatchObject({ planId: "starter", pendingChangeAt: null });
  });

  it("a scheduled downgrade can be undone before it comes due, and then never applies", async () => {
    const t = await team();
    await changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "builder", byUserId: t.ada.id }, mid);
    const r = await changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "starter", byUserId: t.ada.id }, mid);
    await undoScheduledChange(h.db, { changeId: r.change.id, byUserId: t.ada.id }, mid);
    const next = await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, new Date("2026-08-10T00:00:00Z"));
    expect(next.message.allowance).toBe(250_000);
    await expect(undoScheduledChange(h.db, { changeId: r.change.id, byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "conflict" });
  });

  it("a removed seat lasts to the cycle's end; then its holder acts with the free allowance", async () => {
    const t = await team();
    await removeSeat(h.db, { seatId: t.linusSeat.id, byUserId: t.ada.id }, mid);
    expect((await getActingAccount(h.db, { workspaceId: t.ws.id, userId: t.linus.id })).id).toBe(t.linusSeat.id);
    const after = await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, new Date("2026-08-06T00:00:00Z"));
    expect(after.account.type).toBe("free");
    expect(after.message.allowance).toBe(5_000);
    const [seat] = await h.db.select().from(creditAccounts).where(eq(creditAccounts.id, t.linusSeat.id));
    expect(seat!.status).toBe("removed");
  });

  it("cancelling schedules every seat's removal; the billing page settles them when due", async () => {
    const t = await team();
    await addSeat(h.db, { workspaceId: t.ws.id, planId: "pro", holderUserId: t.grace.id, byUserId: t.ada.id }, mid);
    const results = await cancelPaidPlan(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id }, mid);
    expect(results.map((r) => r.effect)).toEqual(["scheduled", "scheduled"]);
    expect(await settleWorkspaceDueChanges(h.db, t.ws.id, new Date("2026-08-05T08:00:00Z"))).toBe(0);
    expect(await settleWorkspaceDueChanges(h.db, t.ws.id, new Date("2026-08-05T09:00:00Z"))).toBe(2);
    const active = await h.db
      .select()
      .from(creditAccounts)
      .where(and(eq(creditAccounts.workspaceId, t.ws.id), eq(creditAccounts.status, "active")));
    expect(active).toEqual([]);
  });

  it("cancelling keeps the seats' own pending changes aside, and resuming puts them back, all seats at once", async () => {
    const t = await team();
    const pro = await addSeat(h.db, { workspaceId: t.ws.id, planId: "pro", holderUserId: t.grace.id, byUserId: t.ada.id }, mid);
    const down = await changeSeatPlan(h.db, { seatId: pro.id, toPlanId: "starter", byUserId: t.ada.id }, mid); // Pro → Starter at the cycle's end
    const removal = await removeSeat(h.db, { seatId: t.linusSeat.id, byUserId: t.ada.id }, mid);
    await cancelPaidPlan(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id }, mid);
    const statusOf = async (id: string) => (await h.db.select({ s: planChanges.status }).from(planChanges).where(eq(planChanges.id, id)))[0]!.s;
    expect([await statusOf(down.change.id), await statusOf(removal.change.id)]).toEqual(["replaced", "replaced"]);
    await resumePaidPlan(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id }, mid);
    expect([await statusOf(down.change.id), await statusOf(removal.change.id)]).toEqual(["scheduled", "scheduled"]);
    const cancels = await h.db.select().from(planChanges).where(and(eq(planChanges.workspaceId, t.ws.id), eq(planChanges.kind, "cancel")));
    expect(cancels.map((c) => c.status)).toEqual(["undone", "undone"]);
    // And they come due as decided: Grace's seat on Starter, Linus's seat gone.
    expect(await settleWorkspaceDueChanges(h.db, t.ws.id, new Date("2026-08-05T09:00:00Z"))).toBe(2);
    const seats = await h.db.select().from(creditAccounts).where(and(eq(creditAccounts.workspaceId, t.ws.id), eq(creditAccounts.type, "seat")));
    expect(seats.map((s) => [s.id === pro.id ? "grace" : "linus", s.planId, s.status]).sort()).toEqual([["grace", "starter", "active"], ["linus", "starter", "removed"]]);
  });

  it("cancel sent 6 times at once, then resume 6 times at once: one cancellation per seat, and the pending change back once", async () => {
    const t = await team();
    const pro = await addSeat(h.db, { workspaceId: t.ws.id, planId: "pro", holderUserId: t.grace.id, byUserId: t.ada.id }, mid);
    const down = await changeSeatPlan(h.db, { seatId: pro.id, toPlanId: "starter", byUserId: t.ada.id }, mid);
    const cancels = await Promise.allSettled(Array.from({ length: 6 }, () => cancelPaidPlan(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id }, mid)));
    expect(cancels.filter((r) => r.status === "fulfilled").length).toBeGreaterThanOrEqual(1);
    const scheduled = async () => (await h.db.select().from(planChanges).where(and(eq(planChanges.workspaceId, t.ws.id), eq(planChanges.status, "scheduled")))).map((c) => c.kind).sort();
    expect(await scheduled()).toEqual(["cancel", "cancel"]); // one per seat, whatever raced
    const resumes = await Promise.allSettled(Array.from({ length: 6 }, () => resumePaidPlan(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id }, mid)));
    expect(resumes.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of resumes) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "conflict" });
    expect(await scheduled()).toEqual(["downgrade"]);
    expect((await h.db.select().from(planChanges).where(eq(planChanges.id, down.change.id)))[0]!.status).toBe("scheduled");
    // And as the wrong person: an admin can neither cancel nor resume.
    await expect(cancelPaidPlan(h.db, { workspaceId: t.ws.id, byUserId: t.grace.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
  });

  it("a cancellation is all seats or none: a seat that fails stops the whole cancellation", async () => {
    const t = await team();
    await addSeat(h.db, { workspaceId: t.ws.id, planId: "pro", holderUserId: t.grace.id, byUserId: t.ada.id }, mid);
    const before = await writableRowCounts(h.db);
    // The second seat's cancellation cannot be written (a check fails inside the transaction).
    await h.db.execute(sql`create or replace function fail_second_cancel() returns trigger language plpgsql as $$
      begin if (select count(*) from plan_changes where kind = 'cancel' and workspace_id = new.workspace_id) >= 1 then raise exception 'second seat fails'; end if; return new; end $$`);
    await h.db.execute(sql`create trigger fail_second_cancel before insert on plan_changes for each row when (new.kind = 'cancel') execute function fail_second_cancel()`);
    try {
      await expect(cancelPaidPlan(h.db, { workspaceId: t.ws.id, byUserId: t.ada.id }, mid)).rejects.toThrow();
    } finally {
      await h.db.execute(sql`drop trigger fail_second_cancel on plan_changes`);
    }
    const after = await writableRowCounts(h.db);
    expect(after.plan_changes).toBe(before.plan_changes);
    expect(after.audit).toBe(before.audit);
  });
});

describe("seats", () => {
  it("the first paid seat sets the billing date to now; later seats share it", async () => {
    const owner = await makeUser(h.db, "Solo", new Date("2026-06-01T00:00:00Z"));
    const ws = await makeWorkspace(h.db, owner);
    const first = await addSeat(h.db, { workspaceId: ws.id, planId: "starter", holderUserId: owner.id, byUserId: owner.id }, mid);
    const second = await addSeat(h.db, { workspaceId: ws.id, planId: "elite", byUserId: owner.id }, new Date("2026-07-25T00:00:00Z"));
    const [row] = await h.db.select().from(workspaces).where(eq(workspaces.id, ws.id));
    expect(row!.billingAnchor!.toISOString()).toBe(mid.toISOString());
    expect(first.anchorAt.toISOString()).toBe(mid.toISOString());
    expect(second.anchorAt.toISOString()).toBe(mid.toISOString());
    expect(second.holderUserId).toBeNull();
  });

  it("a transferred seat carries its plan and usage: the new holder gets what is left, nothing is minted", async () => {
    const t = await team();
    await spend(t, t.linus.id, 60);
    await transferSeat(h.db, { seatId: t.linusSeat.id, toUserId: t.ken.id, byUserId: t.grace.id }, mid);
    const ken = await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.ken.id }, mid);
    expect(ken.account.id).toBe(t.linusSeat.id);
    expect(ken.message).toMatchObject({ allowance: 100_000, used: 60_000, remaining: 40_000 });
    const linus = await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, mid);
    expect(linus.account.type).toBe("free");
    // Moving it back and forth adds nothing.
    await transferSeat(h.db, { seatId: t.linusSeat.id, toUserId: t.linus.id, byUserId: t.ada.id }, mid);
    expect((await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, mid)).message.remaining).toBe(40_000);
    const transfers = await h.db.select().from(seatTransfers).where(eq(seatTransfers.accountId, t.linusSeat.id));
    expect(transfers.map((x) => [x.fromUserId, x.toUserId, x.byUserId])).toEqual([
      [t.linus.id, t.ken.id, t.grace.id],
      [t.ken.id, t.linus.id, t.ada.id],
    ]);
  });

  it("a seat cannot go to a non-member or to a member who already holds one", async () => {
    const t = await team();
    const outsider = await makeUser(h.db, "Outsider", new Date("2026-06-01T00:00:00Z"));
    await addSeat(h.db, { workspaceId: t.ws.id, planId: "builder", holderUserId: t.ken.id, byUserId: t.ada.id }, mid);
    const before = await writableRowCounts(h.db);
    await expect(transferSeat(h.db, { seatId: t.linusSeat.id, toUserId: outsider.id, byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "invalid" });
    await expect(transferSeat(h.db, { seatId: t.linusSeat.id, toUserId: t.ken.id, byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "conflict" });
    await expect(addSeat(h.db, { workspaceId: t.ws.id, planId: "pro", holderUserId: t.linus.id, byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "conflict" });
    expect(await writableRowCounts(h.db)).toEqual(before);
  });

  it("joining a second workspace does not add a second free allowance", async () => {
    const t = await team();
    const other = await makeUser(h.db, "Other", new Date("2026-06-01T00:00:00Z"));
    const ws2 = await makeWorkspace(h.db, other, { billingAnchor: anchor, members: [{ id: t.ken.id }] });
    const at = new Date("2026-07-20T10:00:00Z");
    await spend(t, t.ken.id, 3, at);
    const inSecond = await getMemberBalance(h.db, { workspaceId: ws2.id, userId: t.ken.id }, at);
    expect(inSecond.message).toMatchObject({ allowance: 5_000, used: 3_000, remaining: 2_000 });
    const r = await debitCredits(h.db, { key: key(), action: "message.implement", quantity: 3, workspaceId: ws2.id, actorUserId: t.ken.id }, at);
    expect(r.outcome).toBe("refused");
    const free = await h.db.select().from(creditAccounts).where(and(eq(creditAccounts.holderUserId, t.ken.id), eq(creditAccounts.type, "free")));
    expect(free).toHaveLength(1);
  });
});

describe("who may change plans and seats", () => {
  it("only the owner changes plans; owners and admins transfer seats; members and outsiders neither", async () => {
    const t = await team();
    const outsider = await makeUser(h.db, "Outsider", new Date("2026-06-01T00:00:00Z"));
    const before = await writableRowCounts(h.db);
    for (const who of [t.grace, t.linus]) {
      await expect(changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "pro", byUserId: who.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
      await expect(addSeat(h.db, { workspaceId: t.ws.id, planId: "pro", byUserId: who.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
      await expect(removeSeat(h.db, { seatId: t.linusSeat.id, byUserId: who.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
      await expect(cancelPaidPlan(h.db, { workspaceId: t.ws.id, byUserId: who.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
    }
    await expect(transferSeat(h.db, { seatId: t.linusSeat.id, toUserId: t.ken.id, byUserId: t.linus.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
    await expect(changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "pro", byUserId: outsider.id }, mid)).rejects.toMatchObject({ code: "not_found" });
    await expect(transferSeat(h.db, { seatId: t.linusSeat.id, toUserId: outsider.id, byUserId: outsider.id }, mid)).rejects.toMatchObject({ code: "not_found" });
    expect(await writableRowCounts(h.db)).toEqual(before);
    const [m] = await h.db.select().from(memberships).where(eq(memberships.userId, t.grace.id));
    expect(m!.role).toBe("admin");
  });

  it("refuses a free plan for a seat and a same-plan change", async () => {
    const t = await team();
    await expect(changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "free", byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "invalid" });
    await expect(changeSeatPlan(h.db, { seatId: t.linusSeat.id, toPlanId: "starter", byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "invalid" });
    await expect(addSeat(h.db, { workspaceId: t.ws.id, planId: "platinum", byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "invalid" });
  });

  it("integration usage stays with the app owner's seat across a transfer of someone else's seat", async () => {
    const t = await team();
    const app = await makeApp(h.db, t.ws, t.linus, "Helpdesk");
    await debitCredits(h.db, { key: key(), action: "integration.llm", quantity: 10, workspaceId: t.ws.id, actorUserId: null, appId: app.id }, mid);
    const b = await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, mid);
    expect(b.integration.used).toBe(10_000);
  });
});

describe("failures are errors, not \"not found\"", () => {
  // The database failing (here: a table gone) must read as a failure, never as "Seat not found"
  // or "no longer pending": those are answers about the seat, and they would be false.
  async function whileAccountsAreMissing<T>(work: () => Promise<T>): Promise<T> {
    await h.db.execute(sql`alter table credit_accounts rename to credit_accounts_away`);
    try {
      return await work();
    } finally {
      await h.db.execute(sql`alter table credit_accounts_away rename to credit_accounts`);
    }
  }

  it("a seat transfer whose seat cannot be read fails with the database's error", async () => {
    const t = await team();
    const err = await whileAccountsAreMissing(() => transferSeat(h.db, { seatId: t.linusSeat.id, toUserId: t.ken.id, byUserId: t.ada.id }, mid).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).not.toBe("not_found");
    expect(String((err as Error).message)).not.toContain("not found");
  });

  it("an undo that fails for another reason does not say the change is no longer pending", async () => {
    const t = await team();
    const r = await removeSeat(h.db, { seatId: t.linusSeat.id, byUserId: t.ada.id }, mid);
    const err = await whileAccountsAreMissing(() => undoScheduledChange(h.db, { changeId: r.change.id, byUserId: t.ada.id }, mid).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).not.toBe("conflict");
    // Once the database is back, the change is still pending and can be undone.
    await expect(undoScheduledChange(h.db, { changeId: r.change.id, byUserId: t.ada.id }, mid)).resolves.toMatchObject({ status: "undone" });
  });
});
