import { getDb } from "@/lib/db";
import { errorResponse, methodNotAllowed, withDeadline } from "@/lib/api/http";
import { postUsage } from "@/lib/api/usage";

export async function POST(req: Request) {
  let db;
  try {
    db = await getDb();
  } catch (err) {
    return errorResponse(err);
  }
  return withDeadline(postUsage(db, req, new Date())).catch(errorResponse);
}

const refuse = methodNotAllowed(["POST"]);
export const GET = refuse;
export const PUT = refuse;
export const PATCH = refuse;
export const DELETE = refuse;
