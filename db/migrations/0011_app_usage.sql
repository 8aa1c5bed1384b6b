CREATE TABLE "app_usage" (
	"app_id" uuid NOT NULL,
	"payer_account_id" uuid NOT NULL,
	"cycle_start" timestamp with time zone NOT NULL,
	"charged" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "app_usage_app_id_payer_account_id_cycle_start_pk" PRIMARY KEY("app_id","payer_account_id","cycle_start")
);
--> statement-breakpoint
ALTER TABLE "app_usage" ADD CONSTRAINT "app_usage_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_usage" ADD CONSTRAINT "app_usage_payer_account_id_credit_accounts_id_fk" FOREIGN KEY ("payer_account_id") REFERENCES "public"."credit_accounts"("id") ON DELETE cascade ON UPDATE no action;