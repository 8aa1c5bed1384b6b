ALTER TYPE "public"."plan_change_kind" ADD VALUE 'top_up';--> statement-breakpoint
CREATE TABLE "app_cycle_usage" (
	"app_id" uuid NOT NULL,
	"cycle_start" timestamp with time zone NOT NULL,
	"used" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "app_cycle_usage_app_id_cycle_start_pk" PRIMARY KEY("app_id","cycle_start")
);
--> statement-breakpoint
CREATE TABLE "top_up_lots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"kind" "credit_kind" NOT NULL,
	"credits" bigint NOT NULL,
	"used" bigint DEFAULT 0 NOT NULL,
	"purchased_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"paused_at" timestamp with time zone,
	"source" text NOT NULL,
	"decision_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "top_up_lots_used_in_range" CHECK ("top_up_lots"."used" >= 0 and "top_up_lots"."used" <= "top_up_lots"."credits" and "top_up_lots"."kind" <> 'none')
);
--> statement-breakpoint
CREATE TABLE "top_up_packs" (
	"kind" "credit_kind" PRIMARY KEY NOT NULL,
	"credits" bigint NOT NULL,
	"price_cents" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "threshold" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "apps" ADD COLUMN "integration_cap" bigint;--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "top_up_kind" "credit_kind";--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "packs" integer;--> statement-breakpoint
ALTER TABLE "credit_accounts" ADD COLUMN "auto_top_up" jsonb;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "balance_top_up" bigint;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "balance_top_up_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "from_allowance" bigint;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "lot_parts" jsonb;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "refusal" text;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "href" text;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "from_allowance" bigint;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "lot_parts" jsonb;--> statement-breakpoint
ALTER TABLE "app_cycle_usage" ADD CONSTRAINT "app_cycle_usage_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "top_up_lots" ADD CONSTRAINT "top_up_lots_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "top_up_lots" ADD CONSTRAINT "top_up_lots_account_id_credit_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."credit_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "top_up_lots_account" ON "top_up_lots" USING btree ("account_id","kind","expires_at");--> statement-breakpoint
CREATE INDEX "top_up_lots_workspace" ON "top_up_lots" USING btree ("workspace_id");--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_dedupe_key_unique" UNIQUE("dedupe_key");