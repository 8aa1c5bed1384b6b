-- Before a seat may have at most one scheduled change (next migration), keep only the newest
-- scheduled change of each seat and mark the older ones undone: a new decision replaces the old.
UPDATE "plan_changes" SET "status" = 'undone', "settled_at" = now()
WHERE "status" = 'scheduled'
  AND "id" NOT IN (
    SELECT DISTINCT ON ("account_id") "id" FROM "plan_changes"
    WHERE "status" = 'scheduled' AND "account_id" IS NOT NULL
    ORDER BY "account_id", "created_at" DESC
  );
--> statement-breakpoint
-- A removed member's apps pass to the workspace owner: a workspace never charges a non-member.
UPDATE "apps" a SET "owner_user_id" = w."owner_id"
FROM "workspaces" w
WHERE w."id" = a."workspace_id"
  AND NOT EXISTS (SELECT 1 FROM "memberships" m WHERE m."workspace_id" = a."workspace_id" AND m."user_id" = a."owner_user_id");
