import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/api/route";
import { balanceJson, jsonError, limitJson } from "@/lib/api/http";
import { getBalanceForAppKey } from "@/lib/api/usage";
import { getMemberBalance } from "@/lib/credits/balance";
import { memberAllocations } from "@/lib/credits/member-limits";
import { forecastFor } from "@/lib/credits/pace";
import { latestRequest } from "@/lib/billing/requests/credit-requests";
import { currentWorkspace } from "@/lib/auth/session";

/**
 * With an app key: the app owner's integration credits. With a signed-in session: the
 * member's message and integration credits in their current workspace (or ?workspace=); in a
 * shared pool, the pool's, with the member's own limit there (`limit`, null without one).
 */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "optional" }, async (req, { db, now, user }) => {
  if (req.headers.get("authorization")) return getBalanceForAppKey(db, req, now);
  if (!user) return jsonError(401, "unauthorized", "Sign in, or send an app key as: Authorization: Bearer <key>.");
  const { current: ws } = await currentWorkspace(db, user.id, new URL(req.url).searchParams.get("workspace"));
  if (!ws) return jsonError(404, "not_found", "Workspace was not found.");
  const b = await getMemberBalance(db, { workspaceId: ws.workspaceId, userId: user.id }, now);
  const f = await forecastFor(db, { workspaceId: ws.workspaceId, userId: user.id }, b, now);
  // In a shared pool: this member's own limit there, if they have one.
  const request = await latestRequest(db, ws.workspaceId, user.id, now);
  const mine = b.account.type === "pool" ? (await memberAllocations(db, ws.workspaceId, b.account.messageAllowance, b.message.cycleStart, user.id)).get(user.id) : undefined;
  return NextResponse.json(
    {
      workspaceId: ws.workspaceId,
      accountType: b.account.type,
      message: balanceJson(b.message, f.message),
      integration: balanceJson(b.integration, f.integration),
      limit: mine && mine.limit !== null ? limitJson(mine) : null,
      // Their latest request for more credits here (30 days), so the page can say where it stands.
      request: request ? { status: request.status, kind: request.kind, createdAt: request.createdAt.toISOString() } : null,
    },
    { headers: { "Cache-Control": "no-store" } },
  );
});
