CREATE TABLE "usage_rollup" (
	"workspace_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"action" text NOT NULL,
	"kind" "credit_kind" NOT NULL,
	"actor_user_id" uuid,
	"payer_user_id" uuid,
	"events" integer DEFAULT 0 NOT NULL,
	"charged" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_rollup_key" UNIQUE NULLS NOT DISTINCT("workspace_id","hour","action","kind","actor_user_id","payer_user_id")
);
--> statement-breakpoint
ALTER TABLE "usage_rollup" ADD CONSTRAINT "usage_rollup_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_rollup_workspace_hour" ON "usage_rollup" USING btree ("workspace_id","hour");