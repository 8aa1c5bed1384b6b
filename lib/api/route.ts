import type { Db } from "@/db/client";
import { getDb } from "@/lib/db";
import { allowedMethods, API_METHODS, errorResponse, jsonError, methodNotAllowed, type ApiMethod } from "@/lib/api/http";
import { currentWorkspace, getSessionUser, type SessionUser } from "@/lib/auth/session";
import { meteringRateLimit } from "@/lib/api/rate-limit";
import { answerFromLedger, type MeteringProgress } from "@/lib/api/usage";
import { BACKSTOP_GRACE_MS, DeadlineExceededError, withDeadline } from "@/lib/deadline";
import { env } from "@/lib/env";
import type { WorkspaceMembership } from "@/lib/workspaces/memberships";

/**
 * The one wrapper for route handlers (like the action wrapper for server actions): it finds the
 * database, one `now` and the request's deadline (with a backstop that answers 503 if the work
 * overruns anyway), the signed-in person and their workspace when the route needs them (401 and
 * 404 in JSON otherwise), answers every other method (OPTIONS too) with a JSON 405 whose Allow
 * names the methods it serves, and turns whatever the handler throws into the documented JSON
 * error. App-key callers are recognised by the handler (the key names the app, and with it the
 * workspace). A route exports every method returned, so Next.js answers none on its own.
 */
export interface RouteContext {
  db: Db;
  now: Date;
  deadline: Date;
  /** The signed-in person: always there with `session: "required"`, maybe with "optional". */
  user: SessionUser | null;
  /** Their current workspace (`?workspace=` picks another of theirs), with `workspace: true`. */
  workspace: WorkspaceMembership | null;
}

type Method = "GET" | "POST";

export interface RouteOptions {
  /** "required": 401 without a session; "optional": the handler decides (an app key may stand in); "none". */
  session?: "required" | "optional" | "none";
  /** Resolve the person's workspace (needs a session). */
  workspace?: boolean;
  /** The 401 message, in the words of what the route is for. */
  signInMessage?: string;
  /** false for long-lived answers (the events stream): no deadline, no backstop. */
  deadline?: boolean;
  /** At the door, before the database is touched: a Response (a 429) stops the request there. */
  rateLimit?: (req: Request) => Promise<Response | null>;
  /**
   * When the backstop fires (the work overran its deadline by a second): the truthful answer, if
   * the route can find one (the metering routes read the ledger). Default: 503.
   */
  onBackstop?: (ctx: RouteContext) => Promise<Response>;
}

export function apiRoute(method: Method, opts: RouteOptions, handler: (req: Request, ctx: RouteContext) => Promise<Response>) {
  async function serve(req: Request): Promise<Response> {
    const now = new Date();
    const ms = env().API_DEADLINE_MS;
    const deadline = new Date(now.getTime() + ms);
    let ctx: RouteContext | null = null;
    const work = (async () => {
      try {
        const limited = opts.rateLimit ? await opts.rateLimit(req) : null;
        if (limited) return limited;
        const db = await getDb();
        const user = opts.session && opts.session !== "none" ? await getSessionUser() : null;
        if (opts.session === "required" && !user) return jsonError(401, "unauthorized", opts.signInMessage ?? "Sign in first.");
        let workspace: WorkspaceMembership | null = null;
        if (opts.workspace && user) {
          workspace = (await currentWorkspace(db, user.id, new URL(req.url).searchParams.get("workspace"))).current;
          if (!workspace) return jsonError(404, "not_found", "Workspace was not found.");
        }
        ctx = { db, now, deadline, user, workspace };
        return await handler(req, ctx);
      } catch (err) {
        return errorResponse(err);
      }
    })();
    if (opts.deadline === false) return work;
    return withDeadline(work, ms + BACKSTOP_GRACE_MS).catch((err) => {
      if (!(err instanceof DeadlineExceededError) || !opts.onBackstop || !ctx) return errorResponse(err);
      return withDeadline(opts.onBackstop(ctx), BACKSTOP_GRACE_MS * 3).catch(errorResponse);
    });
  }
  // HEAD runs GET's handler (the server sends no body for a HEAD), as Next.js itself would.
  const allowed = allowedMethods(method);
  const refuse = methodNotAllowed(allowed);
  return Object.fromEntries(API_METHODS.map((m) => [m, allowed.includes(m) ? serve : refuse])) as Record<ApiMethod, (req: Request) => Promise<Response> | Response>;
}

/**
 * A metering route: POST with an app key, the handler taking the database, `now`, the deadline
 * and a record of its progress; past the backstop, the ledger says what was charged.
 */
export function meteringRoute(handler: (db: Db, req: Request, now: Date, deadline: Date, progress: MeteringProgress) => Promise<Response>) {
  const progressOf = new WeakMap<RouteContext, MeteringProgress>();
  return apiRoute(
    "POST",
    { session: "none", rateLimit: meteringRateLimit, onBackstop: async (ctx) => answerFromLedger(ctx.db, progressOf.get(ctx) ?? {}) },
    (req, ctx) => {
      const progress: MeteringProgress = {};
      progressOf.set(ctx, progress);
      return handler(ctx.db, req, ctx.now, ctx.deadline, progress);
    },
  );
}
