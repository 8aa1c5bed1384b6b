-- The hourly rollup is kept by the database itself: every ledger insert, on every path (a
-- charge, a free edit, a confirmed reservation), adds to its hour's row in the same transaction.
CREATE OR REPLACE FUNCTION credits_usage_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.outcome IN ('charged', 'free') THEN
    INSERT INTO usage_rollup (workspace_id, hour, action, kind, actor_user_id, payer_user_id, events, charged)
    VALUES (NEW.workspace_id, date_trunc('hour', NEW.created_at, 'UTC'), NEW.action, NEW.kind, NEW.actor_user_id, NEW.payer_user_id, 1,
            CASE WHEN NEW.outcome = 'charged' THEN NEW.amount ELSE 0 END)
    ON CONFLICT ON CONSTRAINT usage_rollup_key
    DO UPDATE SET events = usage_rollup.events + 1, charged = usage_rollup.charged + EXCLUDED.charged;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER credit_ledger_usage_rollup AFTER INSERT ON credit_ledger FOR EACH ROW EXECUTE FUNCTION credits_usage_rollup();
--> statement-breakpoint
-- What the ledger already holds.
INSERT INTO usage_rollup (workspace_id, hour, action, kind, actor_user_id, payer_user_id, events, charged)
SELECT workspace_id, date_trunc('hour', created_at, 'UTC'), action, kind, actor_user_id, payer_user_id, count(*),
       coalesce(sum(amount) FILTER (WHERE outcome = 'charged'), 0)
FROM credit_ledger
WHERE outcome IN ('charged', 'free')
GROUP BY 1, 2, 3, 4, 5, 6;
