import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export interface AppDesign {
  title: string;
  tagline: string;
  accent: string;
}

/** Millicredits: integers, stored as bigint and read as JS numbers (well inside 2^53). */
const mc = (name: string) => bigint(name, { mode: "number" });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const memberRole = pgEnum("member_role", ["owner", "admin", "member"]);
export const cadence = pgEnum("cadence", ["monthly", "daily"]);
export const accountType = pgEnum("account_type", ["seat", "free"]);
export const accountStatus = pgEnum("account_status", ["active", "removed"]);
export const creditKind = pgEnum("credit_kind", ["message", "integration", "none"]);
export const ledgerOutcome = pgEnum("ledger_outcome", [
  "charged",
  "free",
  "refused",
  "reserved",
  "released",
]);
export const reservationStatus = pgEnum("reservation_status", ["pending", "confirmed", "released"]);
export const planChangeKind = pgEnum("plan_change_kind", [
  "add_seat",
  "upgrade",
  "downgrade",
  "remove_seat",
  "cancel",
]);
export const planChangeStatus = pgEnum("plan_change_status", ["applied", "scheduled", "undone"]);

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  /** Stored lower-cased; the unique index is what makes a second sign-up fail. */
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  /** The free allowance's daily windows are anchored here. */
  createdAt: ts("created_at").notNull().defaultNow(),
});

export const workspaces = pgTable("workspaces", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  ownerId: uuid("owner_id")
    .notNull()
    .references(() => users.id),
  /** Set by the first paid seat; every seat of the workspace resets on this date. */
  billingAnchor: ts("billing_anchor"),
  personal: boolean("personal").notNull().default(false),
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
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("memberships_workspace_user").on(t.workspaceId, t.userId),
    index("memberships_user").on(t.userId),
  ],
);

export const plans = pgTable("plans", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  cadence: cadence("cadence").notNull(),
  messageAllowance: mc("message_allowance").notNull(),
  integrationAllowance: mc("integration_allowance").notNull(),
  priceCents: integer("price_cents").notNull(),
  rank: integer("rank").notNull(),
  active: boolean("active").notNull().default(true),
});

/** A paid seat of a workspace, or a person's one free allowance. */
export const creditAccounts = pgTable(
  "credit_accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    type: accountType("type").notNull(),
    /** Null for a free allowance: it belongs to the person, not to any workspace. */
    workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "cascade" }),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id),
    /** The person who acts with this account; a seat may be unassigned (null). */
    holderUserId: uuid("holder_user_id").references(() => users.id),
    /** Cycle anchor: the workspace's billing date for seats, sign-up for the free allowance. */
    anchorAt: ts("anchor_at").notNull(),
    status: accountStatus("status").notNull().default("active"),
    createdAt: ts("created_at").notNull().defaultNow(),
    removedAt: ts("removed_at"),
    /**
     * The earliest scheduled plan change not yet applied (a copy of plan_changes), so the
     * hot path knows with no extra query whether a change is due.
     */
    pendingChangeAt: ts("pending_change_at"),
  },
  (t) => [
    // One free allowance per person, however many workspaces they join.
    uniqueIndex("credit_accounts_one_free_per_user")
      .on(t.holderUserId)
      .where(sql`${t.type} = 'free'`),
    // A member holds at most one active seat in a workspace.
    uniqueIndex("credit_accounts_one_seat_per_member")
      .on(t.workspaceId, t.holderUserId)
      .where(sql`${t.type} = 'seat' and ${t.status} = 'active' and ${t.holderUserId} is not null`),
    index("credit_accounts_workspace").on(t.workspaceId),
    check(
      "credit_accounts_free_has_no_workspace",
      sql`(${t.type} = 'free') = (${t.workspaceId} is null)`,
    ),
  ],
);

/**
 * One row per account per cycle, created on first touch: balances are read here in O(1),
 * never summed from the ledger. The check constraints are a last line of defence: no bug
 * in application code can commit a negative balance.
 */
export const accountUsage = pgTable(
  "account_usage",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => creditAccounts.id, { onDelete: "cascade" }),
    cycleStart: ts("cycle_start").notNull(),
    cycleEnd: ts("cycle_end").notNull(),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id),
    messageAllowance: mc("message_allowance").notNull(),
    integrationAllowance: mc("integration_allowance").notNull(),
    messageUsed: mc("message_used").notNull().default(0),
    integrationUsed: mc("integration_used").notNull().default(0),
    messageReserved: mc("message_reserved").notNull().default(0),
    integrationReserved: mc("integration_reserved").notNull().default(0),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.cycleStart] }),
    check(
      "account_usage_message_within_allowance",
      sql`${t.messageUsed} >= 0 and ${t.messageReserved} >= 0 and ${t.messageUsed} + ${t.messageReserved} <= ${t.messageAllowance}`,
    ),
    check(
      "account_usage_integration_within_allowance",
      sql`${t.integrationUsed} >= 0 and ${t.integrationReserved} >= 0 and ${t.integrationUsed} + ${t.integrationReserved} <= ${t.integrationAllowance}`,
    ),
  ],
);

export const apps = pgTable(
  "apps",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    ownerUserId: uuid("owner_user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    /** What the visual editor edits by hand (free): the app's headline, tagline and colour. */
    design: jsonb("design").$type<AppDesign>().notNull().default({ title: "", tagline: "", accent: "#4f46e5" }),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [index("apps_workspace").on(t.workspaceId)],
);

/** API keys for a published app's runtime. Only a SHA-256 of the key is kept. */
export const appKeys = pgTable(
  "app_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    appId: uuid("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    /** The first characters of the key, to tell keys apart in the UI. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    createdBy: uuid("created_by").references(() => users.id),
    createdAt: ts("created_at").notNull().defaultNow(),
    revokedAt: ts("revoked_at"),
  },
  (t) => [index("app_keys_app").on(t.appId)],
);

/** Reservations hold credits for an AI call until it succeeds (confirm) or fails (release). */
export const reservations = pgTable(
  "reservations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => creditAccounts.id),
    cycleStart: ts("cycle_start").notNull(),
    kind: creditKind("kind").notNull(),
    amount: mc("amount").notNull(),
    status: reservationStatus("status").notNull().default("pending"),
    expiresAt: ts("expires_at").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    settledAt: ts("settled_at"),
  },
  (t) => [index("reservations_account_pending").on(t.accountId, t.status)],
);

/** Append-only: rows are inserted, never updated or deleted. */
export const creditLedger = pgTable(
  "credit_ledger",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** Scoped by the caller (e.g. "app:<id>:<key>") so two apps can use the same key text. */
    idempotencyKey: text("idempotency_key").notNull().unique(),
    /** A hash of the request, so the same key with a different request is detected. */
    requestHash: text("request_hash").notNull(),
    actorUserId: uuid("actor_user_id").references(() => users.id),
    payerAccountId: uuid("payer_account_id").references(() => creditAccounts.id),
    payerUserId: uuid("payer_user_id").references(() => users.id),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    appId: uuid("app_id").references(() => apps.id),
    action: text("action").notNull(),
    kind: creditKind("kind").notNull(),
    quantity: integer("quantity").notNull().default(1),
    amount: mc("amount").notNull(),
    outcome: ledgerOutcome("outcome").notNull(),
    reservationId: uuid("reservation_id").references(() => reservations.id),
    cycleStart: ts("cycle_start"),
    source: text("source").notNull().default("editor"),
    /** The payer's balance of `kind` right after this event, so a replay returns the same answer. */
    balanceAllowance: mc("balance_allowance"),
    balanceUsed: mc("balance_used"),
    balanceRemaining: mc("balance_remaining"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("credit_ledger_payer_cycle").on(t.payerAccountId, t.cycleStart),
    index("credit_ledger_workspace_time").on(t.workspaceId, t.createdAt),
    index("credit_ledger_actor_time").on(t.actorUserId, t.createdAt),
    // With the actor index, "what I did or paid for" is a bitmap OR of two small ranges,
    // not a scan of the workspace's whole history.
    index("credit_ledger_payer_user_time").on(t.payerUserId, t.createdAt),
  ],
);

export const planChanges = pgTable(
  "plan_changes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    accountId: uuid("account_id").references(() => creditAccounts.id),
    kind: planChangeKind("kind").notNull(),
    fromPlanId: text("from_plan_id").references(() => plans.id),
    toPlanId: text("to_plan_id").references(() => plans.id),
    status: planChangeStatus("status").notNull(),
    effectiveAt: ts("effective_at").notNull(),
    requestedBy: uuid("requested_by")
      .notNull()
      .references(() => users.id),
    providerRef: text("provider_ref"),
    createdAt: ts("created_at").notNull().defaultNow(),
    settledAt: ts("settled_at"),
  },
  (t) => [index("plan_changes_workspace_status").on(t.workspaceId, t.status)],
);

export const seatTransfers = pgTable("seat_transfers", {
  id: uuid("id").primaryKey().defaultRandom(),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  accountId: uuid("account_id")
    .notNull()
    .references(() => creditAccounts.id),
  fromUserId: uuid("from_user_id").references(() => users.id),
  toUserId: uuid("to_user_id").references(() => users.id),
  byUserId: uuid("by_user_id")
    .notNull()
    .references(() => users.id),
  createdAt: ts("created_at").notNull().defaultNow(),
});

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    actorUserId: uuid("actor_user_id").references(() => users.id),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [index("audit_log_workspace_time").on(t.workspaceId, t.createdAt)],
);

export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "cascade" }),
    accountId: uuid("account_id")
      .notNull()
      .references(() => creditAccounts.id),
    kind: creditKind("kind").notNull(),
    threshold: integer("threshold").notNull(),
    cycleStart: ts("cycle_start").notNull(),
    body: text("body").notNull(),
    readAt: ts("read_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    // One notice per threshold per account per cycle: concurrent crossings insert once.
    uniqueIndex("notifications_once").on(t.accountId, t.cycleStart, t.kind, t.threshold),
    index("notifications_user").on(t.userId, t.createdAt),
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
  (t) => [index("invitations_workspace").on(t.workspaceId)],
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
