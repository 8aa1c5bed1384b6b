ALTER TABLE "credit_accounts" ADD COLUMN "pending_change_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "balance_allowance" bigint;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "balance_used" bigint;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "balance_remaining" bigint;