import { integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { workspaces } from "./people";

/**
 * Every email the app sends, written in the transaction of what causes it (an invitation, a
 * failed payment) and delivered by a job. Once per key: the unique key makes a retried cause
 * write it once, and the row's lock makes a retried job send it once. Without SMTP_URL the row is
 * the mail: kept here, readable with `npm run credits -- mail`, never dropped.
 */
export const mailOutbox = pgTable("mail_outbox", {
  id: uuid("id").primaryKey().defaultRandom(),
  key: text("key").notNull().unique(),
  workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "cascade" }),
  to: text("to").notNull(),
  subject: text("subject").notNull(),
  text: text("text").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
  /** When it was handed to the SMTP server (or kept in the outbox); null: still to go. */
  sentAt: ts("sent_at"),
  /** "smtp" (handed to SMTP_URL) or "outbox" (kept here: no SMTP configured). */
  via: text("via", { enum: ["smtp", "outbox"] }),
  attempts: integer("attempts").notNull().default(0),
  lastError: text("last_error"),
});
