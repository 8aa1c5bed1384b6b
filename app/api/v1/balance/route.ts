import { NextResponse } from "next/server";
import { getDb } from "@/lib/db";
import { balanceJson, errorResponse, jsonError, methodNotAllowed } from "@/lib/api/http";
import { withDeadline } from "@/lib/deadline";
import { env } from "@/lib/env";
import { getBalanceForAppKey } from "@/lib/api/usage";
import { getMemberBalance } from "@/lib/credits/balance";
import { currentWorkspace, getSessionUser } from "@/lib/auth/session";

/**
 * With an app key: the app owner's integration credits. With a signed-in session: the
 * member's message and integration credits in their current workspace (or ?workspace=).
 */
export async function GET(req: Request) {
  return withDeadline(balance(req), env().API_DEADLINE_MS).catch(errorResponse);
}

async function balance(req: Request) {
  try {
    const db = await getDb();
    const now = new Date();
    if (req.headers.get("authorization")) return getBalanceForAppKey(db, req, now);
    const user = await getSessionUser();
    if (!user) return jsonError(401, "unauthorized", "Sign in, or send an app key as: Authorization: Bearer <key>.");
    const { current: ws } = await currentWorkspace(db, user.id, new URL(req.url).searchParams.get("workspace"));
    if (!ws) return jsonError(404, "not_found", "Workspace was not found.");
    const b = await getMemberBalance(db, { workspaceId: ws.workspaceId, userId: user.id }, now);
    return NextResponse.json(
      { workspaceId: ws.workspaceId, accountType: b.account.type, message: balanceJson(b.message), integration: balanceJson(b.integration) },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (err) {
    return errorResponse(err);
  }
}

const refuse = methodNotAllowed(["GET"]);
export const POST = refuse;
export const PUT = refuse;
export const PATCH = refuse;
export const DELETE = refuse;
