import { sql } from "drizzle-orm";
import { bigserial, check, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { creditKind, PLAN_CHANGE_STATUSES, planChangeKind, ts } from "./columns";
import { users, workspaces } from "./people";
import { creditAccounts, plans } from "./credits";

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
    status: text("status", { enum: PLAN_CHANGE_STATUSES }).notNull(),
    effectiveAt: ts("effective_at").notNull(),
    requestedBy: uuid("requested_by")
      .notNull()
      .references(() => users.id),
    providerRef: text("provider_ref"),
    /** The owner's decision, sent with the request: the same decision twice applies and charges once. */
    decisionKey: text("decision_key"),
    /** For a new seat: who gets it (decided before paying, assigned when applied). */
    holderUserId: uuid("holder_user_id").references(() => users.id),
    /** What the provider is charged for this decision. */
    amountCents: integer("amount_cents"),
    /** For a top-up purchase: which kind, how many packs. */
    topUpKind: creditKind("top_up_kind"),
    packs: integer("packs"),
    createdAt: ts("created_at").notNull().defaultNow(),
    settledAt: ts("settled_at"),
    /** A scheduled change a cancellation replaced: the cancellation's id (a resume restores it). */
    replacedBy: uuid("replaced_by"),
    /** Why a decision failed or was voided, in words for the owner. */
    failureReason: text("failure_reason"),
    /** The provider's refund, when a paid decision could not apply. */
    refundRef: text("refund_ref"),
    /** How many times a job tried to drive this decision (the operator's `decisions` list shows it). */
    attempts: integer("attempts").notNull().default(0),
    updatedAt: ts("updated_at"),
    /** The payer's bank asked the owner to confirm this payment (3-D Secure): it waits for them, then applies. */
    needsActionAt: ts("needs_action_at"),
  },
  (t) => [
    index("plan_changes_workspace_status").on(t.workspaceId, t.status),
    uniqueIndex("plan_changes_decision").on(t.workspaceId, t.decisionKey),
    check("plan_changes_status_valid", sql`${t.status} in ('recorded', 'paying', 'paid', 'applied', 'failed', 'voided', 'scheduled', 'undone', 'replaced')`),
    // At most one scheduled change per seat, and one upgrade on its way per seat (two at once
    // could both be priced from the same plan); top-up purchases run side by side.
    uniqueIndex("plan_changes_one_scheduled").on(t.accountId).where(sql`${t.status} = 'scheduled'`),
    uniqueIndex("plan_changes_one_upgrade_in_flight").on(t.accountId).where(sql`${t.kind} = 'upgrade' and ${t.status} in ('recorded', 'paying', 'paid')`),
    index("plan_changes_in_flight").on(t.status).where(sql`${t.status} in ('recorded', 'paying', 'paid')`),
  ],
);

/**
 * The test-mode provider's record of every charge it accepted, keyed by the decision: a
 * second charge with the same key returns the first. A real provider keeps this on its side.
 */
export const paymentCharges = pgTable("payment_charges", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  key: text("key").notNull().unique(),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  amountCents: integer("amount_cents").notNull(),
  description: text("description").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
  /** Set once when the charge was refunded (a paid decision that could not apply). */
  refundedAt: ts("refunded_at"),
});

/**
 * A workspace's customer at the payment provider (Stripe) and the card saved for it, used for
 * every later decision off-session. One per workspace; the card is replaced, never stacked.
 */
export const billingCustomers = pgTable("billing_customers", {
  workspaceId: uuid("workspace_id")
    .primaryKey()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  customerId: text("customer_id").notNull().unique(),
  paymentMethodId: text("payment_method_id"),
  cardBrand: text("card_brand"),
  cardLast4: text("card_last4"),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

/**
 * Each payment made with the provider for a decision (its key, the decision's): the
 * PaymentIntent Stripe returned, so a refund or a confirmation finds it without charging again.
 */
export const providerPayments = pgTable("provider_payments", {
  key: text("key").primaryKey(),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  paymentIntentId: text("payment_intent_id").notNull().unique(),
  status: text("status").notNull(),
  refundId: text("refund_id"),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

/** Every provider webhook event handled, by its id: a replayed or duplicated event changes nothing twice. */
export const providerEvents = pgTable("provider_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  receivedAt: ts("received_at").notNull().defaultNow(),
  handledAt: ts("handled_at"),
});

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

/**
 * A member out of credits asking the owner for more (one open request per member and
 * workspace); the owner marks it done (after giving a seat, a top-up or a higher limit) or
 * declines it, and the member is told either way.
 */
export const creditRequests = pgTable(
  "credit_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: creditKind("kind").notNull(),
    /** What ran out: the member's own credits, or their limit in a shared pool. */
    reason: text("reason", { enum: ["out_of_credits", "member_limit"] }).notNull(),
    status: text("status", { enum: ["open", "done", "declined"] }).notNull().default("open"),
    createdAt: ts("created_at").notNull().defaultNow(),
    answeredAt: ts("answered_at"),
    answeredBy: uuid("answered_by").references(() => users.id),
  },
  (t) => [uniqueIndex("credit_requests_one_open").on(t.workspaceId, t.userId).where(sql`${t.status} = 'open'`), index("credit_requests_workspace").on(t.workspaceId, t.status)],
);
