-- Before the index: of several open invitations to one address in one workspace (concurrent invites could leave them), the newest stays open and the rest are revoked.
UPDATE "invitations" AS i SET "revoked_at" = now()
WHERE i.accepted_at IS NULL AND i.revoked_at IS NULL
  AND EXISTS (SELECT 1 FROM "invitations" AS n WHERE n.workspace_id = i.workspace_id AND n.email = i.email AND n.accepted_at IS NULL AND n.revoked_at IS NULL AND (n.created_at, n.id) > (i.created_at, i.id));--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_open_unique" ON "invitations" USING btree ("workspace_id","email") WHERE accepted_at is null and revoked_at is null;
