CREATE TABLE "usage_rollup_workspace" (
	"workspace_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"action" text NOT NULL,
	"kind" "credit_kind" NOT NULL,
	"events" integer DEFAULT 0 NOT NULL,
	"charged" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_rollup_workspace_workspace_id_hour_action_kind_pk" PRIMARY KEY("workspace_id","hour","action","kind")
);
--> statement-breakpoint
ALTER TABLE "usage_rollup_workspace" ADD CONSTRAINT "usage_rollup_workspace_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_rollup_actor_hour" ON "usage_rollup" USING btree ("actor_user_id","hour");--> statement-breakpoint
CREATE INDEX "usage_rollup_payer_hour" ON "usage_rollup" USING btree ("payer_user_id","hour");