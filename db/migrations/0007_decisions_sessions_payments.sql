CREATE TABLE "payment_charges" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"workspace_id" uuid NOT NULL,
	"amount_cents" integer NOT NULL,
	"description" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_charges_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "plan_changes" ALTER COLUMN "status" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "decision_key" text;--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "holder_user_id" uuid;--> statement-breakpoint
ALTER TABLE "plan_changes" ADD COLUMN "amount_cents" integer;--> statement-breakpoint
ALTER TABLE "payment_charges" ADD CONSTRAINT "payment_charges_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sessions_user" ON "sessions" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "plan_changes" ADD CONSTRAINT "plan_changes_holder_user_id_users_id_fk" FOREIGN KEY ("holder_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "plan_changes_decision" ON "plan_changes" USING btree ("workspace_id","decision_key");--> statement-breakpoint
CREATE UNIQUE INDEX "plan_changes_one_scheduled" ON "plan_changes" USING btree ("account_id") WHERE "plan_changes"."status" = 'scheduled';--> statement-breakpoint
CREATE UNIQUE INDEX "plan_changes_one_paying" ON "plan_changes" USING btree ("account_id") WHERE "plan_changes"."status" = 'paying';--> statement-breakpoint
ALTER TABLE "plan_changes" ADD CONSTRAINT "plan_changes_status_valid" CHECK ("plan_changes"."status" in ('applied', 'scheduled', 'undone', 'paying', 'failed'));--> statement-breakpoint
DROP TYPE "public"."plan_change_status";