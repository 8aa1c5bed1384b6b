-- The whole-workspace hours, kept by the same trigger in the ledger insert's transaction.
CREATE OR REPLACE FUNCTION credits_usage_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_charged bigint := CASE WHEN NEW.outcome = 'charged' THEN NEW.amount ELSE 0 END;
  v_hour timestamptz := date_trunc('hour', NEW.created_at, 'UTC');
BEGIN
  IF NEW.outcome IN ('charged', 'free') THEN
    INSERT INTO usage_rollup (workspace_id, hour, action, kind, actor_user_id, payer_user_id, events, charged)
    VALUES (NEW.workspace_id, v_hour, NEW.action, NEW.kind, NEW.actor_user_id, NEW.payer_user_id, 1, v_charged)
    ON CONFLICT ON CONSTRAINT usage_rollup_key
    DO UPDATE SET events = usage_rollup.events + 1, charged = usage_rollup.charged + EXCLUDED.charged;
    INSERT INTO usage_rollup_workspace (workspace_id, hour, action, kind, events, charged)
    VALUES (NEW.workspace_id, v_hour, NEW.action, NEW.kind, 1, v_charged)
    ON CONFLICT (workspace_id, hour, action, kind)
    DO UPDATE SET events = usage_rollup_workspace.events + 1, charged = usage_rollup_workspace.charged + EXCLUDED.charged;
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
-- What the ledger already holds (through the per-person rollup, which already sums it).
INSERT INTO usage_rollup_workspace (workspace_id, hour, action, kind, events, charged)
SELECT workspace_id, hour, action, kind, sum(events), sum(charged)
FROM usage_rollup
GROUP BY 1, 2, 3, 4;
