import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, date, check, index, integer, jsonb, pgTable, primaryKey, text, unique, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { accountStatus, accountType, cadence, creditKind, ledgerOutcome, mc, reservationStatus, ts, type AutoTopUps, type LotParts } from "./columns";
import { users, workspaces } from "./people";
import { apps } from "./apps";

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
    /** Auto top-up per kind (seats only), read with the account on the hot path. */
    autoTopUp: jsonb("auto_top_up").$type<AutoTopUps>(),
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
    // A workspace on the pool model has one active pool.
    uniqueIndex("credit_accounts_one_pool_per_workspace")
      .on(t.workspaceId)
      // (Named by the other types: the value 'pool' is added by the same migration and can't be
      // used before it commits.)
      .where(sql`${t.type} <> 'seat' and ${t.type} <> 'free' and ${t.status} = 'active'`),
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

/**
 * Pool only: each member's message credits in a cycle of the pool, so a member limit is checked
 * in O(1) under this row's lock (taken before the pool's usage row: one lock order).
 */
export const memberUsage = pgTable(
  "member_usage",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    cycleStart: ts("cycle_start").notNull(),
    cycleEnd: ts("cycle_end").notNull(),
    messageUsed: mc("message_used").notNull().default(0),
    messageReserved: mc("message_reserved").notNull().default(0),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId, t.cycleStart] }),
    check("member_usage_not_negative", sql`${t.messageUsed} >= 0 and ${t.messageReserved} >= 0`),
  ],
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
    /** The part held in the cycle allowance (the rest came from top-up lots); null: all of it. */
    fromAllowance: mc("from_allowance"),
    lotParts: jsonb("lot_parts").$type<LotParts>(),
    /** A pool's message hold: the member whose limit it counts against until settled. */
    memberUserId: uuid("member_user_id"),
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
    /** With created_at, the key: the ledger is partitioned by month (migration 0023). */
    id: bigserial("id", { mode: "number" }).notNull(),
    /** Scoped by the caller (e.g. "app:<id>:<key>") so two apps can use the same key text.
     * Unique through ledger_keys (a partitioned table's unique keys must include created_at). */
    idempotencyKey: text("idempotency_key").notNull(),
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
    /** Top-up credits of `kind` left right after this event (part of what a replay answers). */
    balanceTopUp: mc("balance_top_up"),
    balanceTopUpExpiresAt: ts("balance_top_up_expires_at"),
    /** Of `amount`, what the cycle allowance paid; the rest is in lot_parts. Null: all of it. */
    fromAllowance: mc("from_allowance"),
    lotParts: jsonb("lot_parts").$type<LotParts>(),
    /** Why a refusal: not enough credits, the app's own cap, or the prompter's limit in a pool. */
    refusal: text("refusal", { enum: ["insufficient_credits", "app_cap_reached", "member_limit"] }),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "credit_ledger_pkey", columns: [t.id, t.createdAt] }),
    index("credit_ledger_key").on(t.idempotencyKey),
    index("credit_ledger_payer_cycle").on(t.payerAccountId, t.cycleStart),
    index("credit_ledger_workspace_time").on(t.workspaceId, t.createdAt),
    index("credit_ledger_actor_time").on(t.actorUserId, t.createdAt),
    // With the actor index, "what I did or paid for" is a bitmap OR of two small ranges,
    // not a scan of the workspace's whole history.
    index("credit_ledger_payer_user_time").on(t.payerUserId, t.createdAt),
  ],
);

/**
 * Each ledger row's idempotency key, unique here (the partitioned ledger cannot hold a unique key
 * without created_at). Claimed by a trigger on every ledger insert, or first by a statement that
 * skips keys already taken; kept when a month is archived, so an archived key is never charged again.
 */
export const ledgerKeys = pgTable(
  "ledger_keys",
  {
    idempotencyKey: text("idempotency_key").notNull(),
    ledgerId: bigint("ledger_id", { mode: "number" }).notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [primaryKey({ name: "credit_ledger_idempotency_key_unique", columns: [t.idempotencyKey] })],
);

/** Months of the ledger detached and written to a file (`npm run credits -- ledger archive`). */
export const ledgerArchives = pgTable("ledger_archives", {
  month: date("month").primaryKey(),
  /** Everything created before this instant is archived (the end of the month). */
  until: ts("until").notNull(),
  rows: bigint("rows", { mode: "number" }).notNull(),
  /** Sum of the month's charged amounts, as a check on the file. */
  charged: bigint("charged", { mode: "number" }).notNull(),
  file: text("file").notNull(),
  sha256: text("sha256").notNull(),
  archivedAt: ts("archived_at").notNull().defaultNow(),
});

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
    /** 80 or 100 for usage notices; null for the others (top-ups, caps, payments). */
    threshold: integer("threshold"),
    cycleStart: ts("cycle_start").notNull(),
    body: text("body").notNull(),
    /** For notices that are not thresholds: what makes two of them the same notice (sent once). */
    dedupeKey: text("dedupe_key").unique(),
    /** Where the notice leads (a page of this app). */
    href: text("href"),
    readAt: ts("read_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    // One notice per threshold per account per cycle: concurrent crossings insert once.
    uniqueIndex("notifications_once").on(t.accountId, t.cycleStart, t.kind, t.threshold),
    index("notifications_user").on(t.userId, t.createdAt),
  ],
);

/** The top-up catalog, per kind: credits in one pack and its price (data, like plans). */
export const topUpPacks = pgTable("top_up_packs", {
  kind: creditKind("kind").primaryKey(),
  credits: mc("credits").notNull(),
  priceCents: integer("price_cents").notNull(),
  active: boolean("active").notNull().default(true),
});

/**
 * Credits bought (or granted) for a paid seat, spent after the seat's cycle allowance of that
 * kind, the one expiring first first. They do not reset with cycles; they travel with the
 * seat, pause when it ends, and expire 12 months after purchase.
 */
export const topUpLots = pgTable(
  "top_up_lots",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    accountId: uuid("account_id")
      .notNull()
      .references(() => creditAccounts.id),
    kind: creditKind("kind").notNull(),
    credits: mc("credits").notNull(),
    used: mc("used").notNull().default(0),
    purchasedAt: ts("purchased_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    /** Set while the seat it belongs to has ended; the owner can move it to an active seat. */
    pausedAt: ts("paused_at"),
    source: text("source", { enum: ["purchase", "auto", "grant"] }).notNull(),
    /** The purchase decision (plan_changes) it came from, if bought. */
    decisionId: uuid("decision_id"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("top_up_lots_account").on(t.accountId, t.kind, t.expiresAt),
    index("top_up_lots_workspace").on(t.workspaceId),
    // A purchase decision yields one lot, whoever applies it.
    uniqueIndex("top_up_lots_one_per_decision").on(t.decisionId),
    check("top_up_lots_used_in_range", sql`${t.used} >= 0 and ${t.used} <= ${t.credits} and ${t.kind} <> 'none'`),
  ],
);

/**
 * The ledger summed per hour, action and who acted or paid: what the charts and breakdowns
 * read, so they cost the same at a million events as at ten thousand. Kept by a trigger on
 * every ledger insert, in the same transaction (migration 0009).
 */
export const usageRollup = pgTable(
  "usage_rollup",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** The UTC hour the events fell in. */
    hour: ts("hour").notNull(),
    action: text("action").notNull(),
    kind: creditKind("kind").notNull(),
    actorUserId: uuid("actor_user_id"),
    payerUserId: uuid("payer_user_id"),
    /** Charged and free events (refusals and reservation bookkeeping are not usage). */
    events: integer("events").notNull().default(0),
    /** Credits charged, in millicredits. */
    charged: mc("charged").notNull().default(0),
  },
  (t) => [
    unique("usage_rollup_key").on(t.workspaceId, t.hour, t.action, t.kind, t.actorUserId, t.payerUserId).nullsNotDistinct(),
    index("usage_rollup_workspace_hour").on(t.workspaceId, t.hour),
    // A member's own usage: what they did, or what they paid for.
    index("usage_rollup_actor_hour").on(t.actorUserId, t.hour),
    index("usage_rollup_payer_hour").on(t.payerUserId, t.hour),
  ],
);

/**
 * The same hours summed over everyone (no actor, no payer): what the whole-workspace chart and
 * breakdown read, a few rows an hour however many members there are. Kept by the same trigger.
 */
export const usageRollupWorkspace = pgTable(
  "usage_rollup_workspace",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    hour: ts("hour").notNull(),
    action: text("action").notNull(),
    kind: creditKind("kind").notNull(),
    events: integer("events").notNull().default(0),
    charged: mc("charged").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.hour, t.action, t.kind] })],
);

/**
 * Integration credits each app charged to each payer in each cycle, kept by the database in the
 * ledger insert's transaction (trigger), so "by app" never sums the raw ledger. Checked against
 * the ledger with the rollup. It is also what an app's cap counts: a capped charge locks the
 * row, so it counts from the cycle's start whenever the cap was set.
 */
export const appUsage = pgTable(
  "app_usage",
  {
    appId: uuid("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    payerAccountId: uuid("payer_account_id")
      .notNull()
      .references(() => creditAccounts.id, { onDelete: "cascade" }),
    cycleStart: ts("cycle_start").notNull(),
    /** Credits charged, in millicredits. */
    charged: mc("charged").notNull().default(0),
    /** Credits held by the app's pending reservations (confirmed: moved to charged; released: given back). */
    reserved: mc("reserved").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.appId, t.payerAccountId, t.cycleStart] }), check("app_usage_reserved_non_negative", sql`${t.reserved} >= 0`)],
);
