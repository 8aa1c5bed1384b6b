import { errorResponse, methodNotAllowed } from "@/lib/api/http";
import { postUsageBatch } from "@/lib/api/usage";
import { getDb } from "@/lib/db";
import { BACKSTOP_GRACE_MS, withDeadline } from "@/lib/deadline";
import { env } from "@/lib/env";

export async function POST(req: Request) {
  let db;
  try {
    db = await getDb();
  } catch (err) {
    return errorResponse(err);
  }
  const { API_DEADLINE_MS } = env();
  const now = new Date();
  const deadline = new Date(now.getTime() + API_DEADLINE_MS);
  return withDeadline(postUsageBatch(db, req, now, deadline), API_DEADLINE_MS + BACKSTOP_GRACE_MS).catch(errorResponse);
}

const refuse = methodNotAllowed(["POST"]);
export const GET = refuse;
export const PUT = refuse;
export const PATCH = refuse;
export const DELETE = refuse;
