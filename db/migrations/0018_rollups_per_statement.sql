-- Rollups once per statement, not once per row: a multi-row ledger insert (a metering batch of
-- 100 events) does one grouped upsert per rollup table instead of three upserts per row. The
-- rows a statement inserted are its transition table; each upsert goes in key order, so two
-- statements touching the same rollup rows lock them in the same order.
CREATE OR REPLACE FUNCTION credits_usage_rollup_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_rollup (workspace_id, hour, action, kind, actor_user_id, payer_user_id, events, charged)
  SELECT workspace_id, date_trunc('hour', created_at, 'UTC'), action, kind, actor_user_id, payer_user_id,
         count(*), sum(CASE WHEN outcome = 'charged' THEN amount ELSE 0 END)
  FROM new_rows
  WHERE outcome IN ('charged', 'free')
  GROUP BY 1, 2, 3, 4, 5, 6
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ON CONSTRAINT usage_rollup_key
  DO UPDATE SET events = usage_rollup.events + EXCLUDED.events, charged = usage_rollup.charged + EXCLUDED.charged;

  INSERT INTO usage_rollup_workspace (workspace_id, hour, action, kind, events, charged)
  SELECT workspace_id, date_trunc('hour', created_at, 'UTC'), action, kind,
         count(*), sum(CASE WHEN outcome = 'charged' THEN amount ELSE 0 END)
  FROM new_rows
  WHERE outcome IN ('charged', 'free')
  GROUP BY 1, 2, 3, 4
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (workspace_id, hour, action, kind)
  DO UPDATE SET events = usage_rollup_workspace.events + EXCLUDED.events, charged = usage_rollup_workspace.charged + EXCLUDED.charged;

  INSERT INTO app_usage (app_id, payer_account_id, cycle_start, charged)
  SELECT app_id, payer_account_id, cycle_start, sum(amount)
  FROM new_rows
  WHERE outcome = 'charged' AND kind = 'integration' AND app_id IS NOT NULL
    AND payer_account_id IS NOT NULL AND cycle_start IS NOT NULL
  GROUP BY 1, 2, 3
  ORDER BY 1, 2, 3
  ON CONFLICT (app_id, payer_account_id, cycle_start)
  DO UPDATE SET charged = app_usage.charged + EXCLUDED.charged;
  RETURN NULL;
END
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS credit_ledger_usage_rollup ON credit_ledger;
--> statement-breakpoint
CREATE TRIGGER credit_ledger_usage_rollup AFTER INSERT ON credit_ledger
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION credits_usage_rollup_statement();
--> statement-breakpoint
DROP FUNCTION IF EXISTS credits_usage_rollup();
