import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import * as schema from "@/db/schema";

// Ready to shard by workspace (Citus, distributing by workspace_id): every table that belongs to
// a workspace carries workspace_id, and its primary key, unique keys and foreign keys to other
// workspace tables include it, so every debit touches one shard. Catalog tables are reference
// tables (copied to every node); a few are global (the coordinator's alone).
//
// This test reads the drizzle schema. A new table, key or foreign key that breaks the rule fails
// it; so does mending one of the known gaps below without taking it off the list. The list is
// today's distance from sharding, in the schema's own words.

/** Copied to every node: small, read everywhere, written rarely. Distributed tables may point at them. */
const REFERENCE = new Set(["plans", "top_up_packs", "users"]);
/** The coordinator's alone: never joined with workspace tables inside a charge. */
const GLOBAL = new Set(["sessions", "sign_in_failures", "provider_events", "ledger_archives"]);
/** The distribution root: its id is the workspace id. */
const ROOT = "workspaces";

/** What stands between today's schema and sharding by workspace (see README: Scaling out). */
const KNOWN_GAPS = [
  "account_usage: no workspace_id column",
  "account_usage: foreign key (account_id) → credit_accounts lacks workspace_id",
  "account_usage: primary key (account_id, cycle_start) lacks workspace_id",
  "app_keys: no workspace_id column",
  "app_keys: foreign key (app_id) → apps lacks workspace_id",
  "app_keys: primary key (id) lacks workspace_id",
  "app_keys: unique (key_hash) lacks workspace_id",
  "app_usage: no workspace_id column",
  "app_usage: foreign key (app_id) → apps lacks workspace_id",
  "app_usage: foreign key (payer_account_id) → credit_accounts lacks workspace_id",
  "app_usage: primary key (app_id, payer_account_id, cycle_start) lacks workspace_id",
  "apps: primary key (id) lacks workspace_id",
  "audit_log: primary key (id) lacks workspace_id",
  "credit_accounts: primary key (id) lacks workspace_id",
  "credit_accounts: unique (holder_user_id) lacks workspace_id",
  "credit_accounts: workspace_id may be null",
  "credit_ledger: foreign key (app_id) → apps lacks workspace_id",
  "credit_ledger: foreign key (payer_account_id) → credit_accounts lacks workspace_id",
  "credit_ledger: foreign key (reservation_id) → reservations lacks workspace_id",
  "credit_ledger: primary key (id, created_at) lacks workspace_id",
  "credit_requests: primary key (id) lacks workspace_id",
  "invitations: primary key (id) lacks workspace_id",
  "invitations: unique (token_hash) lacks workspace_id",
  "ledger_keys: no workspace_id column",
  "ledger_keys: primary key (idempotency_key) lacks workspace_id",
  "mail_outbox: primary key (id) lacks workspace_id",
  "mail_outbox: unique (key) lacks workspace_id",
  "memberships: primary key (id) lacks workspace_id",
  "notifications: foreign key (account_id) → credit_accounts lacks workspace_id",
  "notifications: primary key (id) lacks workspace_id",
  "notifications: unique (account_id, cycle_start, kind, threshold) lacks workspace_id",
  "notifications: unique (dedupe_key) lacks workspace_id",
  "payment_charges: primary key (id) lacks workspace_id",
  "payment_charges: unique (key) lacks workspace_id",
  "plan_changes: foreign key (account_id) → credit_accounts lacks workspace_id",
  "plan_changes: primary key (id) lacks workspace_id",
  "plan_changes: unique (account_id) lacks workspace_id",
  "provider_payments: primary key (key) lacks workspace_id",
  "provider_payments: unique (payment_intent_id) lacks workspace_id",
  "reservations: no workspace_id column",
  "reservations: foreign key (account_id) → credit_accounts lacks workspace_id",
  "reservations: primary key (id) lacks workspace_id",
  "seat_transfers: foreign key (account_id) → credit_accounts lacks workspace_id",
  "seat_transfers: primary key (id) lacks workspace_id",
  "top_up_lots: foreign key (account_id) → credit_accounts lacks workspace_id",
  "top_up_lots: primary key (id) lacks workspace_id",
  "top_up_lots: unique (decision_id) lacks workspace_id",
  "usage_rollup: no primary key (its unique key has workspace_id)",
  "billing_customers: unique (customer_id) lacks workspace_id",
  "mail_outbox: workspace_id may be null",
  "notifications: workspace_id may be null",
];

const tables = (Object.values(schema) as unknown[]).filter((t): t is PgTable => t instanceof PgTable).map((t) => getTableConfig(t));

function gaps(): string[] {
  const out: string[] = [];
  const key = (cols: string[]) => `(${cols.join(", ")})`;
  for (const t of tables) {
    if (REFERENCE.has(t.name) || GLOBAL.has(t.name)) {
      // Reference and global tables may point only at reference tables.
      for (const fk of t.foreignKeys) {
        const to = getTableConfig(fk.reference().foreignTable).name;
        if (!REFERENCE.has(to)) out.push(`${t.name}: foreign key ${key(fk.reference().columns.map((c) => c.name))} → ${to} is not a reference table`);
      }
      continue;
    }
    const shardKey = t.name === ROOT ? "id" : "workspace_id";
    const column = t.columns.find((c) => c.name === shardKey);
    if (!column) out.push(`${t.name}: no workspace_id column`);
    else if (!column.notNull && !column.primary) out.push(`${t.name}: workspace_id may be null`);
    const pk = [...t.columns.filter((c) => c.primary).map((c) => c.name), ...t.primaryKeys.flatMap((p) => p.columns.map((c) => c.name))];
    if (pk.length === 0) {
      const unique = t.uniqueConstraints.find((u) => u.columns.some((c) => c.name === shardKey));
      out.push(`${t.name}: no primary key${unique ? " (its unique key has workspace_id)" : ", and no unique key with workspace_id"}`);
    } else if (!pk.includes(shardKey)) out.push(`${t.name}: primary key ${key(pk)} lacks workspace_id`);
    const uniques = [
      ...t.uniqueConstraints.map((u) => u.columns.map((c) => c.name)),
      ...t.columns.filter((c) => c.isUnique).map((c) => [c.name]),
      ...t.indexes.filter((i) => i.config.unique).map((i) => i.config.columns.map((c) => ("name" in c ? (c.name as string) : "?"))),
    ];
    for (const u of uniques) if (!u.includes(shardKey)) out.push(`${t.name}: unique ${key(u)} lacks workspace_id`);
    for (const fk of t.foreignKeys) {
      const ref = fk.reference();
      const to = getTableConfig(ref.foreignTable).name;
      if (REFERENCE.has(to)) continue;
      if (GLOBAL.has(to)) {
        out.push(`${t.name}: foreign key ${key(ref.columns.map((c) => c.name))} → ${to}, a global table`);
        continue;
      }
      const cols = ref.columns.map((c) => c.name);
      const toKey = to === ROOT ? "id" : "workspace_id";
      const fine = to === ROOT ? cols.includes("workspace_id") || (t.name === ROOT && cols.includes("id")) : cols.includes("workspace_id") && ref.foreignColumns.some((c) => c.name === toKey);
      if (!fine) out.push(`${t.name}: foreign key ${key(cols)} → ${to} lacks workspace_id`);
    }
  }
  return [...new Set(out)].sort();
}

describe("the schema, ready to shard by workspace", () => {
  it("every table is placed: distributed by workspace, reference, or global", () => {
    // A table in none of the lists is treated as distributed; these names catch a typo in them.
    const names = new Set(tables.map((t) => t.name));
    for (const n of [...REFERENCE, ...GLOBAL, ROOT]) expect(names, `${n} is in a list but not in the schema`).toContain(n);
  });

  it("no table breaks the rule beyond the known gaps, and a mended gap is taken off the list", () => {
    expect(gaps()).toEqual([...KNOWN_GAPS].sort());
  });
});
