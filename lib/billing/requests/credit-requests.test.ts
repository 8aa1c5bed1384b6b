import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { mailOutbox, notifications } from "@/db/schema";
import { team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { credits } from "@/lib/credits/amounts";
import { setMemberLimits } from "@/lib/billing/pools/member-limits";
import { startPool } from "@/lib/billing/pools/start-pool";
import { answerRequest, askForCredits, latestRequest, openRequests } from "@/lib/billing/requests/credit-requests";

// Members ask, owners answer: one open request per member; the owner hears it in the app and by
// email with the control that helps; the member is told the answer.

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const now = new Date("2026-07-20T12:00:00.000Z");

describe("requests for credits", () => {
  it("one open request per member; the owner is told in the app and by email what would help; the member is told the answer", async () => {
    const t = await team(h.db);
    const first = await askForCredits(h.db, { workspaceId: t.ws.id, userId: t.ken.id, kind: "message" }, now);
    const again = await askForCredits(h.db, { workspaceId: t.ws.id, userId: t.ken.id, kind: "message" }, now);
    expect(again.id).toBe(first.id);
    expect(first).toMatchObject({ status: "open", reason: "out_of_credits" });
    const toAda = await h.db.select().from(notifications).where(eq(notifications.userId, t.ada.id));
    expect(toAda.map((n) => [n.body, n.href])).toEqual([["Ken asks for more message credits in Test workspace. You can give them a paid seat.", "/settings/members"]]);
    const mails = await h.db.select().from(mailOutbox).where(eq(mailOutbox.to, t.ada.email));
    expect(mails.map((m) => m.subject)).toEqual(["Ken asks for more message credits"]);
    expect((await openRequests(h.db, t.ws.id, t.ada.id)).map((r) => r.name)).toEqual(["Ken"]);
    await expect(openRequests(h.db, t.ws.id, t.grace.id)).rejects.toMatchObject({ code: "forbidden" });

    await answerRequest(h.db, { requestId: first.id, byUserId: t.ada.id, answer: "done" }, now);
    await expect(answerRequest(h.db, { requestId: first.id, byUserId: t.ada.id, answer: "declined" }, now)).rejects.toThrow(/already answered/);
    expect(await latestRequest(h.db, t.ws.id, t.ken.id, now)).toMatchObject({ status: "done", answeredBy: t.ada.id });
    const toKen = await h.db.select().from(notifications).where(and(eq(notifications.userId, t.ken.id), eq(notifications.workspaceId, t.ws.id)));
    expect(toKen.map((n) => n.body)).toEqual(["Ada answered your request for more message credits: you can carry on."]);
    // Answered: a new one can be made.
    const next = await askForCredits(h.db, { workspaceId: t.ws.id, userId: t.ken.id, kind: "integration" }, now);
    expect(next.id).not.toBe(first.id);
  });

  it("a seat holder is pointed to a top-up; a member of a pool out of their limit, to raising it; the owner cannot ask", async () => {
    const t = await team(h.db, { linusSeat: "starter" });
    expect(await askForCredits(h.db, { workspaceId: t.ws.id, userId: t.linus.id, kind: "integration" }, now)).toMatchObject({ reason: "out_of_credits" });
    const [note] = await h.db.select().from(notifications).where(eq(notifications.dedupeKey, `request:${(await latestRequest(h.db, t.ws.id, t.linus.id, now))!.id}`));
    expect(note).toMatchObject({ href: "/settings/billing#top-ups" });
    await expect(askForCredits(h.db, { workspaceId: t.ws.id, userId: t.ada.id, kind: "message" }, now)).rejects.toThrow(/You own this workspace/);
    // An admin asks like anyone, and someone else answers.
    const admin = await team(h.db, { graceRole: "admin" });
    const own = await askForCredits(h.db, { workspaceId: admin.ws.id, userId: admin.grace.id, kind: "message" }, now);
    await expect(answerRequest(h.db, { requestId: own.id, byUserId: admin.grace.id, answer: "done" }, now)).rejects.toThrow(/Someone else answers/);

    const p = await team(h.db, { adaSeat: null });
    await startPool(h.db, { workspaceId: p.ws.id, planId: "pro", byUserId: p.ada.id }, now);
    await setMemberLimits(h.db, { workspaceId: p.ws.id, byUserId: p.ada.id, defaultLimit: credits(5) }, now);
    const r = await askForCredits(h.db, { workspaceId: p.ws.id, userId: p.ken.id, kind: "message" }, now);
    expect(r.reason).toBe("member_limit");
    const [poolNote] = await h.db.select().from(notifications).where(eq(notifications.dedupeKey, `request:${r.id}`));
    expect(poolNote).toMatchObject({ href: "/settings/workspace", body: "Ken asks for more message credits in Test workspace (their limit is used up). You can raise their limit." });
    await answerRequest(h.db, { requestId: r.id, byUserId: p.ada.id, answer: "declined" }, now);
    const told = await h.db.select().from(notifications).where(eq(notifications.dedupeKey, `request-answer:${r.id}`));
    expect(told[0]!.body).toBe("Ada declined your request for more message credits for now.");
  });
});
