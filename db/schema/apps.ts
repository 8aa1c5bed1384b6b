import { index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { mc, ts, type AppDesign } from "./columns";
import { users, workspaces } from "./people";

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
    /** The owner's cap on this app's integration credits per cycle (millicredits); null: none. */
    integrationCap: mc("integration_cap"),
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
    /** When the key last authenticated a call, to the minute (written at most once a minute per key and process). */
    lastUsedAt: ts("last_used_at"),
  },
  (t) => [index("app_keys_app").on(t.appId)],
);
