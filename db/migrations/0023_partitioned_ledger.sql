-- The ledger partitioned by month (created_at, UTC). A partitioned table's unique keys must
-- include its partition key, so the idempotency key moves to a table of its own (ledger_keys)
-- whose primary key keeps the old constraint's name: a reused key still fails with
-- credit_ledger_idempotency_key_unique. A statement trigger claims the keys of the rows each
-- insert wrote; a statement that claimed its keys itself (ON CONFLICT DO NOTHING on ledger_keys)
-- inserts only the rows it claimed, and the trigger skips a row whose key it claimed (same id).
ALTER TABLE "credit_ledger" RENAME TO "credit_ledger_unpartitioned";
--> statement-breakpoint
DROP TRIGGER IF EXISTS credit_ledger_usage_rollup ON "credit_ledger_unpartitioned";
--> statement-breakpoint
ALTER TABLE "credit_ledger_unpartitioned" DROP CONSTRAINT "credit_ledger_idempotency_key_unique";
--> statement-breakpoint
ALTER TABLE "credit_ledger_unpartitioned" DROP CONSTRAINT "credit_ledger_pkey";
--> statement-breakpoint
DROP INDEX IF EXISTS "credit_ledger_payer_cycle";
--> statement-breakpoint
DROP INDEX IF EXISTS "credit_ledger_workspace_time";
--> statement-breakpoint
DROP INDEX IF EXISTS "credit_ledger_actor_time";
--> statement-breakpoint
DROP INDEX IF EXISTS "credit_ledger_payer_user_time";
--> statement-breakpoint
ALTER SEQUENCE "credit_ledger_id_seq" OWNED BY NONE;
--> statement-breakpoint
CREATE TABLE "credit_ledger" (LIKE "credit_ledger_unpartitioned" INCLUDING DEFAULTS) PARTITION BY RANGE ("created_at");
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_pkey" PRIMARY KEY ("id", "created_at");
--> statement-breakpoint
ALTER SEQUENCE "credit_ledger_id_seq" OWNED BY "credit_ledger"."id";
--> statement-breakpoint
CREATE TABLE "credit_ledger_default" PARTITION OF "credit_ledger" DEFAULT;
--> statement-breakpoint
CREATE TABLE "ledger_keys" (
  "idempotency_key" text NOT NULL,
  "ledger_id" bigint NOT NULL,
  "created_at" timestamp with time zone NOT NULL,
  CONSTRAINT "credit_ledger_idempotency_key_unique" PRIMARY KEY ("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "ledger_archives" (
  "month" date PRIMARY KEY NOT NULL,
  "until" timestamp with time zone NOT NULL,
  "rows" bigint NOT NULL,
  "charged" bigint NOT NULL,
  "file" text NOT NULL,
  "sha256" text NOT NULL,
  "archived_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- A month's partition, made if missing. Rows already in the default partition for that month
-- (written before it had one) move into it. Moving rows takes the whole ledger (ACCESS
-- EXCLUSIVE, first, so no charge holds a part of it while waiting for another): no reader sees
-- them neither here nor there, and readers wait the short while; with none to move, only the
-- default partition is locked against new rows so none slips in before the attach.
CREATE OR REPLACE FUNCTION credits_ledger_partition(p_month date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', p_month)::date;
  part text := 'credit_ledger_' || to_char(m, 'YYYY_MM');
  lo timestamptz := m::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF to_regclass(part) IS NOT NULL OR EXISTS (SELECT 1 FROM ledger_archives WHERE month = m) THEN RETURN part; END IF;
  IF EXISTS (SELECT 1 FROM credit_ledger_default WHERE created_at >= lo AND created_at < hi) THEN
    LOCK TABLE credit_ledger IN ACCESS EXCLUSIVE MODE;
  ELSE
    LOCK TABLE credit_ledger_default IN SHARE ROW EXCLUSIVE MODE;
    -- A row that arrived meanwhile: the move must not be seen half done.
    IF EXISTS (SELECT 1 FROM credit_ledger_default WHERE created_at >= lo AND created_at < hi) THEN
      LOCK TABLE credit_ledger IN ACCESS EXCLUSIVE MODE;
    END IF;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE credit_ledger INCLUDING DEFAULTS)', part);
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (created_at >= %L AND created_at < %L)', part, part || '_range', lo, hi);
  EXECUTE format('WITH moved AS (DELETE FROM credit_ledger_default WHERE created_at >= $1 AND created_at < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
  EXECUTE format('ALTER TABLE credit_ledger ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_range');
  RETURN part;
END
$$;
--> statement-breakpoint
-- Every month the old ledger has rows in, and this month to three ahead.
SELECT credits_ledger_partition(m::date) FROM (
  SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC') AS m FROM credit_ledger_unpartitioned
  UNION SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'), date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months', interval '1 month')
) months;
--> statement-breakpoint
INSERT INTO "credit_ledger" SELECT * FROM "credit_ledger_unpartitioned";
--> statement-breakpoint
INSERT INTO "ledger_keys" ("idempotency_key", "ledger_id", "created_at") SELECT "idempotency_key", "id", "created_at" FROM "credit_ledger_unpartitioned";
--> statement-breakpoint
DROP TABLE "credit_ledger_unpartitioned";
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_payer_account_id_credit_accounts_id_fk" FOREIGN KEY ("payer_account_id") REFERENCES "public"."credit_accounts"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_payer_user_id_users_id_fk" FOREIGN KEY ("payer_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_reservation_id_reservations_id_fk" FOREIGN KEY ("reservation_id") REFERENCES "public"."reservations"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "credit_ledger_key" ON "credit_ledger" USING btree ("idempotency_key");
--> statement-breakpoint
CREATE INDEX "credit_ledger_payer_cycle" ON "credit_ledger" USING btree ("payer_account_id","cycle_start");
--> statement-breakpoint
CREATE INDEX "credit_ledger_workspace_time" ON "credit_ledger" USING btree ("workspace_id","created_at");
--> statement-breakpoint
CREATE INDEX "credit_ledger_actor_time" ON "credit_ledger" USING btree ("actor_user_id","created_at");
--> statement-breakpoint
CREATE INDEX "credit_ledger_payer_user_time" ON "credit_ledger" USING btree ("payer_user_id","created_at");
--> statement-breakpoint
-- Claims the keys of every row a statement inserted, in one set-based insert at the end of the
-- statement (a per-row trigger cost 2-4x on the hot row). Rows whose key their statement claimed
-- already (same id: the batch) are skipped; any other holder fails the statement with
-- unique_violation on credit_ledger_idempotency_key_unique, as the old unique key did.
CREATE OR REPLACE FUNCTION credits_ledger_claim_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger_keys (idempotency_key, ledger_id, created_at)
  SELECT n.idempotency_key, n.id, n.created_at FROM new_rows n
  WHERE NOT EXISTS (SELECT 1 FROM ledger_keys k WHERE k.idempotency_key = n.idempotency_key AND k.ledger_id = n.id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER credit_ledger_claim_keys AFTER INSERT ON credit_ledger
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION credits_ledger_claim_keys();
--> statement-breakpoint
CREATE TRIGGER credit_ledger_usage_rollup AFTER INSERT ON credit_ledger
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION credits_usage_rollup_statement();
