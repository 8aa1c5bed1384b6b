CREATE TYPE "public"."credit_model" AS ENUM('seats', 'pool');--> statement-breakpoint
ALTER TYPE "public"."account_type" ADD VALUE 'pool';--> statement-breakpoint
ALTER TYPE "public"."plan_change_kind" ADD VALUE 'start_pool' BEFORE 'upgrade';--> statement-breakpoint
CREATE TABLE "member_usage" (
	"workspace_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"cycle_start" timestamp with time zone NOT NULL,
	"cycle_end" timestamp with time zone NOT NULL,
	"message_used" bigint DEFAULT 0 NOT NULL,
	"message_reserved" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_usage_workspace_id_user_id_cycle_start_pk" PRIMARY KEY("workspace_id","user_id","cycle_start"),
	CONSTRAINT "member_usage_not_negative" CHECK ("member_usage"."message_used" >= 0 and "member_usage"."message_reserved" >= 0)
);
--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "member_user_id" uuid;--> statement-breakpoint
ALTER TABLE "memberships" ADD COLUMN "message_limit_set" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "memberships" ADD COLUMN "message_limit" bigint;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "credit_model" "credit_model" DEFAULT 'seats' NOT NULL;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "member_message_limit" bigint;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "pending_model" "credit_model";--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "pending_model_plan_id" text;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "pending_model_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "member_usage" ADD CONSTRAINT "member_usage_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_usage" ADD CONSTRAINT "member_usage_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_accounts_one_pool_per_workspace" ON "credit_accounts" USING btree ("workspace_id") WHERE "credit_accounts"."type" <> 'seat' and "credit_accounts"."type" <> 'free' and "credit_accounts"."status" = 'active';