import { getDb } from "@/db/client";
import { errorResponse } from "@/lib/api/http";
import { postUsage } from "@/lib/api/usage";

export async function POST(req: Request) {
  let db;
  try {
    db = await getDb();
  } catch (err) {
    return errorResponse(err);
  }
  return postUsage(db, req, new Date());
}
