import { desc, eq } from "drizzle-orm";
import nodemailer, { type Transporter } from "nodemailer";
import type { Db } from "@/db/client";
import { mailOutbox, users } from "@/db/schema";
import { env } from "@/lib/env";
import { enqueue, QUEUES } from "@/lib/jobs/queue";

/**
 * Email: written to the outbox in the transaction of what causes it (so it exists if and only
 * if that committed), once per key, and delivered by a job. With SMTP_URL it goes to that server;
 * without it, it stays in the outbox (`npm run credits -- mail` shows it), never dropped.
 */
export interface Mail {
  /** What makes two of them the same email (e.g. "invitation:<id>"): written once. */
  key: string;
  to: string;
  subject: string;
  text: string;
  workspaceId?: string | null;
}

/** Writes the email and its delivery job in `tx`. Returns false when this key was written before. */
export async function queueMail(tx: Db, mail: Mail, now: Date): Promise<boolean> {
  const [row] = await tx
    .insert(mailOutbox)
    .values({ ...mail, workspaceId: mail.workspaceId ?? null, createdAt: now })
    .onConflictDoNothing()
    .returning({ id: mailOutbox.id });
  if (!row) return false;
  await enqueue(tx, QUEUES.mail, { mailId: row.id }, { id: row.id });
  return true;
}

let configured: Transporter | null | undefined;
/** The SMTP transport of SMTP_URL, or null: keep mail in the outbox. */
export function configuredTransport(): Transporter | null {
  if (configured === undefined) configured = env().SMTP_URL ? nodemailer.createTransport(env().SMTP_URL) : null;
  return configured;
}

/**
 * Delivers one email of the outbox, once: its row is locked while it is sent, and one already
 * sent is left alone. A failure is recorded and thrown (the job tries again later). If the
 * process dies between the SMTP server's acceptance and the row's update, the next try sends it
 * again with the same Message-ID (the key), so the receiving side can tell.
 */
export async function deliverMail(db: Db, mailId: string, now: Date, transport: Transporter | null = configuredTransport()): Promise<"sent" | "kept" | "done before"> {
  const outcome = await db.transaction(async (tx) => {
    const [mail] = await tx.select().from(mailOutbox).where(eq(mailOutbox.id, mailId)).for("update");
    if (!mail || mail.sentAt) return { done: "done before" as const };
    if (!transport) {
      await tx.update(mailOutbox).set({ sentAt: now, via: "outbox", attempts: mail.attempts + 1 }).where(eq(mailOutbox.id, mailId));
      return { done: "kept" as const };
    }
    try {
      await transport.sendMail({ from: env().MAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text, messageId: `<${mail.key.replace(/[^A-Za-z0-9.:-]/g, "-")}@credits.local>` });
    } catch (err) {
      // Recorded in this transaction (which commits), thrown after it: the job tries again later.
      const message = err instanceof Error ? err.message : String(err);
      await tx.update(mailOutbox).set({ attempts: mail.attempts + 1, lastError: message.slice(0, 500) }).where(eq(mailOutbox.id, mailId));
      return { failed: err };
    }
    await tx.update(mailOutbox).set({ sentAt: now, via: "smtp", attempts: mail.attempts + 1, lastError: null }).where(eq(mailOutbox.id, mailId));
    return { done: "sent" as const };
  });
  if ("failed" in outcome) throw outcome.failed;
  return outcome.done;
}

/** The newest emails of the outbox (to one address, if given): what the CLI prints. */
export async function listOutbox(db: Db, opts: { to?: string; limit?: number } = {}) {
  return db
    .select()
    .from(mailOutbox)
    .where(opts.to ? eq(mailOutbox.to, opts.to.toLowerCase()) : undefined)
    .orderBy(desc(mailOutbox.createdAt))
    .limit(opts.limit ?? 20);
}

/** Writes an email to a person of the app (by id), in `tx`; nothing when they are gone. */
export async function queueMailToUser(tx: Db, userId: string, mail: Omit<Mail, "to">, now: Date): Promise<boolean> {
  const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId));
  if (!user) return false;
  return queueMail(tx, { ...mail, to: user.email }, now);
}

/** A link into the app, for an email. */
export const appLink = (path: string) => new URL(path, env().NEXTAUTH_URL).toString();
