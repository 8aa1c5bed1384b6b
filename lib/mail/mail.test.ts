// @pooler: the outbox's jobs and delivery (CI runs this file again through PgBouncer)
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { mailOutbox, notifications, users } from "@/db/schema";
import { acceptInvitation, inviteMember, SAME_INVITATION_MS } from "@/lib/workspaces/invitations";
import { makeUser, team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { debitCredits } from "@/lib/credits/debit";
import { testModeProviderWith } from "@/lib/billing/payments/provider";
import { removeSeat } from "@/lib/billing/seats/end-seats";
import { buyTopUp } from "@/lib/billing/top-ups/buy-top-up";
import { deliverMail, listOutbox } from "./index";

// Email through the outbox: written with its cause, delivered once by a job, to a real SMTP peer
// (smtp-server) here; kept in the outbox when no SMTP server is configured.

let h: DbHandle & { cleanup(): Promise<void> };
let server: SMTPServer;
let port = 0;
let received: { from: string; to: string[]; raw: string }[] = [];
let refuse = false;

beforeAll(async () => {
  h = await createTestDb();
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      callback(refuse ? Object.assign(new Error("Mailbox unavailable"), { responseCode: 450 }) : undefined);
    },
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
      stream.on("end", () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await h?.cleanup();
});
beforeEach(() => {
  received = [];
  refuse = false;
});

const smtp = () => nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });
const now = new Date("2026-07-20T12:00:00.000Z");
/** The body's text with quoted-printable soft breaks undone (what a mail reader shows). */
const body = (raw: string) => raw.replace(/=\r\n/g, "").replace(/=3D/g, "=");

describe("invitation emails", () => {
  it("the invited address receives one email, once however often its job runs, and its link lets that person join once", async () => {
    const t = await team(h.db);
    const email = `newcomer-${randomUUID().slice(0, 8)}@example.com`;
    const invited = await inviteMember(h.db, { workspaceId: t.ws.id, email, role: "member", byUserId: t.ada.id }, now);
    const [mail] = await h.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
    expect(mail).toMatchObject({ key: expect.stringMatching(/^invitation:/), subject: "Ada invited you to Test workspace on Credits", sentAt: null });
    expect(await deliverMail(h.db, mail!.id, now, smtp())).toBe("sent");
    expect(await deliverMail(h.db, mail!.id, now, smtp())).toBe("done before");
    expect(received).toHaveLength(1);
    expect(received[0]!.to).toEqual([email]);
    expect(received[0]!.raw).toMatch(/^Subject: Ada invited you to Test workspace on Credits/m);
    const link = /(https?:\/\/\S+\/invite\/[\w-]+)/.exec(body(received[0]!.raw))![1]!;
    expect(new URL(link).pathname).toBe(invited.path);
    const [row] = await h.db.select().from(mailOutbox).where(eq(mailOutbox.id, mail!.id));
    expect(row).toMatchObject({ via: "smtp", attempts: 1, lastError: null });

    // The person signs up with that address and follows the link: in, once.
    const [person] = await h.db.insert(users).values({ email, name: "Newcomer", passwordHash: "x", createdAt: now }).returning();
    const token = new URL(link).pathname.split("/").pop()!;
    await expect(acceptInvitation(h.db, { token, userId: person!.id }, now)).resolves.toMatchObject({ workspaceId: t.ws.id });
    await expect(acceptInvitation(h.db, { token, userId: person!.id }, now)).rejects.toThrow();
  });

  it("a refusing SMTP server: the failure is recorded and thrown (the job retries), and the next try sends it once", async () => {
    const t = await team(h.db);
    const email = `later-${randomUUID().slice(0, 8)}@example.com`;
    await inviteMember(h.db, { workspaceId: t.ws.id, email, role: "member", byUserId: t.ada.id }, now);
    const [mail] = await h.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
    refuse = true;
    await expect(deliverMail(h.db, mail!.id, now, smtp())).rejects.toThrow(/Mailbox unavailable/);
    expect((await h.db.select().from(mailOutbox).where(eq(mailOutbox.id, mail!.id)))[0]).toMatchObject({ sentAt: null, attempts: 1, lastError: expect.stringMatching(/Mailbox unavailable/) });
    refuse = false;
    expect(await deliverMail(h.db, mail!.id, now, smtp())).toBe("sent");
    expect(received.filter((r) => r.to.includes(email))).toHaveLength(1);
  });

  it("without an SMTP server the email is kept in the outbox, never dropped, and the CLI's list shows it", async () => {
    const t = await team(h.db);
    const email = `kept-${randomUUID().slice(0, 8)}@example.com`;
    await inviteMember(h.db, { workspaceId: t.ws.id, email, role: "admin", byUserId: t.ada.id }, now);
    const [mail] = await h.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
    expect(await deliverMail(h.db, mail!.id, now, null)).toBe("kept");
    const [listed] = await listOutbox(h.db, { to: email });
    expect(listed).toMatchObject({ via: "outbox", subject: "Ada invited you to Test workspace on Credits" });
    expect(listed!.text).toContain("as an admin");
    expect(listed!.text).toMatch(/\/invite\/[\w-]+/);
    expect(received).toHaveLength(0);
  });

  it("someone who already has an account is also told in the app; a new invitation to the same address is a new email (a double click is not)", async () => {
    const t = await team(h.db);
    const known = await makeUser(h.db, "Known", now);
    await inviteMember(h.db, { workspaceId: t.ws.id, email: known.email, role: "member", byUserId: t.ada.id }, now);
    await inviteMember(h.db, { workspaceId: t.ws.id, email: known.email, role: "member", byUserId: t.ada.id }, now);
    await inviteMember(h.db, { workspaceId: t.ws.id, email: known.email, role: "member", byUserId: t.ada.id }, new Date(now.getTime() + SAME_INVITATION_MS));
    const notes = await h.db.select().from(notifications).where(eq(notifications.userId, known.id));
    expect(notes.map((n) => n.body)).toEqual(["Ada invited you to join Test workspace.", "Ada invited you to join Test workspace."]);
    expect(notes.every((n) => n.href?.startsWith("/invite/"))).toBe(true);
    expect(await h.db.select().from(mailOutbox).where(eq(mailOutbox.to, known.email))).toHaveLength(2);
  });
});

describe("emails about money and credits", () => {
  it("a receipt for every paid decision, word of a declined card, a seat that will end, and running out: each written once, with its cause", async () => {
    const t = await team(h.db, { linusSeat: "starter" });
    const lot = await buyTopUp(h.db, { seatId: t.seat.id, kind: "message", packs: 1, byUserId: t.ada.id }, now);
    await expect(buyTopUp(h.db, { seatId: t.seat.id, kind: "message", packs: 2, byUserId: t.ada.id }, now, testModeProviderWith({ declinePercent: 100 }))).rejects.toThrow();
    await removeSeat(h.db, { seatId: t.linusSeat.id, byUserId: t.ada.id }, now);
    // Linus spends his Starter seat's 100 message credits: the 100% notice comes with an email.
    for (let i = 0; i < 100; i++) await debitCredits(h.db, { key: randomUUID(), action: "message.implement", workspaceId: t.ws.id, actorUserId: t.linus.id }, now);
    const ada = await listOutbox(h.db, { to: t.ada.email, limit: 50 });
    expect(ada.map((m) => m.subject).sort()).toEqual(["Payment declined: 2 message top-up packs for Test workspace", "Receipt: 1 message top-up pack for Test workspace ($15.00)"]);
    expect(ada.find((m) => m.key.startsWith("receipt:"))!.text).toContain(`/settings/billing/receipts/${lot.decisionId}`);
    const linus = await listOutbox(h.db, { to: t.linus.email, limit: 50 });
    expect(linus.map((m) => m.subject).sort()).toEqual(["You have used all of your message credits in Test workspace", "Your Starter seat in Test workspace ends with this cycle"]);
  });
});
