import { bigserial, boolean, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { creditModel, mc, memberRole, ts } from "./columns";

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  /** Stored lower-cased; the unique index is what makes a second sign-up fail. */
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  /** The free allowance's daily windows are anchored here. */
  createdAt: ts("created_at").notNull().defaultNow(),
});

/**
 * A signed-in session (its id travels in the JWT). Signing out revokes it here, so a copied
 * session cookie stops working at once.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: ts("created_at").notNull().defaultNow(),
    revokedAt: ts("revoked_at"),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

export const workspaces = pgTable("workspaces", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  ownerId: uuid("owner_id")
    .notNull()
    .references(() => users.id),
  /** Set by the first paid seat; every seat of the workspace resets on this date. */
  billingAnchor: ts("billing_anchor"),
  personal: boolean("personal").notNull().default(false),
  /** Per seat (each paid member has their own credits) or one shared pool (see credit_accounts type pool). */
  creditModel: creditModel("credit_model").notNull().default("seats"),
  /** Pool only: the monthly message-credit limit of every member without an override; null: none. */
  memberMessageLimit: mc("member_message_limit"),
  /** A switch of credit model scheduled for the next billing date (undoable until then). */
  pendingModel: creditModel("pending_model"),
  /** For a switch to the pool: the pool's plan (its credit level). */
  pendingModelPlanId: text("pending_model_plan_id"),
  pendingModelAt: ts("pending_model_at"),
  createdAt: ts("created_at").notNull().defaultNow(),
});

export const memberships = pgTable(
  "memberships",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: memberRole("role").notNull().default("member"),
    /** Pool only: true when this member has a limit of their own (message_limit; null there: no limit). */
    messageLimitSet: boolean("message_limit_set").notNull().default(false),
    messageLimit: mc("message_limit"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("memberships_workspace_user").on(t.workspaceId, t.userId),
    index("memberships_user").on(t.userId),
  ],
);

/** An invitation by email for someone without an account yet. Only a hash of the token is kept. */
export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: memberRole("role").notNull().default("member"),
    tokenHash: text("token_hash").notNull().unique(),
    invitedBy: uuid("invited_by")
      .notNull()
      .references(() => users.id),
    createdAt: ts("created_at").notNull().defaultNow(),
    expiresAt: ts("expires_at").notNull(),
    acceptedAt: ts("accepted_at"),
    revokedAt: ts("revoked_at"),
  },
  (t) => [
    index("invitations_workspace").on(t.workspaceId),
    // One open invitation per address and workspace: a new one replaces it in one transaction.
    uniqueIndex("invitations_open_unique").on(t.workspaceId, t.email).where(sql`accepted_at is null and revoked_at is null`),
  ],
);

/** Failed sign-ins, for rate limiting in the database (shared by every app process). */
export const signInFailures = pgTable(
  "sign_in_failures",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    email: text("email").notNull(),
    ip: text("ip"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [index("sign_in_failures_email_time").on(t.email, t.createdAt), index("sign_in_failures_ip_time").on(t.ip, t.createdAt)],
);
