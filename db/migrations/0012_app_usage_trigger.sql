-- Each app's integration credits per payer and cycle, kept by the same trigger as the hourly
-- rollup, in the ledger insert's transaction, on every path that charges.
CREATE OR REPLACE FUNCTION credits_usage_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.outcome IN ('charged', 'free') THEN
    INSERT INTO usage_rollup (workspace_id, hour, action, kind, actor_user_id, payer_user_id, events, charged)
    VALUES (NEW.workspace_id, date_trunc('hour', NEW.created_at, 'UTC'), NEW.action, NEW.kind, NEW.actor_user_id, NEW.payer_user_id, 1,
            CASE WHEN NEW.outcome = 'charged' THEN NEW.amount ELSE 0 END)
    ON CONFLICT ON CONSTRAINT usage_rollup_key
    DO UPDATE SET events = usage_rollup.events + 1, charged = usage_rollup.charged + EXCLUDED.charged;
  END IF;
  IF NEW.outcome = 'charged' AND NEW.kind = 'integration' AND NEW.app_id IS NOT NULL
     AND NEW.payer_account_id IS NOT NULL AND NEW.cycle_start IS NOT NULL THEN
    INSERT INTO app_usage (app_id, payer_account_id, cycle_start, charged)
    VALUES (NEW.app_id, NEW.payer_account_id, NEW.cycle_start, NEW.amount)
    ON CONFLICT (app_id, payer_account_id, cycle_start)
    DO UPDATE SET charged = app_usage.charged + EXCLUDED.charged;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- What the ledger already holds.
INSERT INTO app_usage (app_id, payer_account_id, cycle_start, charged)
SELECT app_id, payer_account_id, cycle_start, sum(amount)
FROM credit_ledger
WHERE outcome = 'charged' AND kind = 'integration' AND app_id IS NOT NULL AND payer_account_id IS NOT NULL AND cycle_start IS NOT NULL
GROUP BY 1, 2, 3;
