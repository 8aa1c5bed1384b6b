import type { Db } from "@/db/client";
import { getDb } from "@/lib/db";
import { errorResponse, methodNotAllowed } from "@/lib/api/http";
import { BACKSTOP_GRACE_MS, withDeadline } from "@/lib/deadline";
import { env } from "@/lib/env";

type Handler = (db: Db, req: Request, now: Date, deadline: Date) => Promise<Response>;

/**
 * A metering route's POST and its refusals of every other method: the database, one `now` and
 * the request's deadline, handed to `handler`; a backstop answers 503 if it overruns anyway.
 */
export function meteringRoute(handler: Handler) {
  async function POST(req: Request) {
    let db;
    try {
      db = await getDb();
    } catch (err) {
      return errorResponse(err);
    }
    const { API_DEADLINE_MS } = env();
    const now = new Date();
    const deadline = new Date(now.getTime() + API_DEADLINE_MS);
    return withDeadline(handler(db, req, now, deadline), API_DEADLINE_MS + BACKSTOP_GRACE_MS).catch(errorResponse);
  }
  const refuse = methodNotAllowed(["POST"]);
  return { POST, GET: refuse, PUT: refuse, PATCH: refuse, DELETE: refuse };
}
