import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { planChangeKind, planChangeStatus, ts } from "./columns";
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
