import { apiRoute } from "@/lib/api/route";
import { getWorkspaceCredits } from "@/lib/api/workspace-credits";

/** A shared pool and every member's allocation in it (owners and admins, signed in). */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "required", workspace: true }, async (_req, { db, now, user, workspace }) =>
  getWorkspaceCredits(db, workspace!.workspaceId, user!.id, now),
);
