ALTER TABLE "app_cycle_usage" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP TABLE "app_cycle_usage" CASCADE;--> statement-breakpoint
ALTER TABLE "plan_changes" DROP CONSTRAINT "plan_changes_status_valid";--> statement-breakpoint
DROP INDEX "plan_changes_one_paying";--> statement-breakpoint
ALTER TABLE "payment_charges" ADD COLUMN "refunded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "replaced_by" uuid;--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "failure_reason" text;--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "refund_ref" text;--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "app_usage" ADD COLUMN "reserved" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "plan_changes_one_upgrade_in_flight" ON "plan_changes" USING btree ("account_id") WHERE "plan_changes"."kind" = 'upgrade' and "plan_changes"."status" in ('recorded', 'paying', 'paid');--> statement-breakpoint
CREATE INDEX "plan_changes_in_flight" ON "plan_changes" USING btree ("status") WHERE "plan_changes"."status" in ('recorded', 'paying', 'paid');--> statement-breakpoint
CREATE UNIQUE INDEX "top_up_lots_one_per_decision" ON "top_up_lots" USING btree ("decision_id");--> statement-breakpoint
ALTER TABLE "plan_changes" ADD CONSTRAINT "plan_changes_status_valid" CHECK ("plan_changes"."status" in ('recorded', 'paying', 'paid', 'applied', 'failed', 'voided', 'scheduled', 'undone', 'replaced'));--> statement-breakpoint
ALTER TABLE "app_usage" ADD CONSTRAINT "app_usage_reserved_non_negative" CHECK ("app_usage"."reserved" >= 0);