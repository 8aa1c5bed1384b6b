import { z } from "zod";
import type { Db } from "@/db/client";
import { getDb } from "@/lib/db";
import { BACKSTOP_GRACE_MS, DeadlineExceededError, withDeadline } from "./deadline";
import { env } from "./env";
import { DomainError, isDatabaseUnavailable } from "./errors";
import { getSessionUser, type SessionUser } from "@/lib/auth/session";
import { rememberWritePosition } from "@/lib/auth/read-your-writes";

import type { ActionInput, ActionResult } from "./action-result";

export type { Action, ActionInput, ActionResult } from "./action-result";

/** An error whose message is written for the person and safe to show them. */
export class UserError extends Error {
  constructor(message: string, readonly fieldErrors?: Record<string, string[]>) {
    super(message);
    this.name = "UserError";
  }
}


type Input = ActionInput | undefined;

function toObject(input: Input): Record<string, unknown> {
  if (input instanceof FormData) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of input.entries()) if (typeof v === "string" && !k.startsWith("$ACTION")) out[k] = v;
    return out;
  }
  return input ?? {};
}

export interface ActionOptions {
  /** How long this action may take, in ms, read when it runs. Default ACTION_DEADLINE_MS. */
  deadlineMs?: () => number;
}

async function run<S extends z.ZodType, T>(
  schema: S,
  input: Input,
  opts: ActionOptions,
  body: (data: z.infer<S>, deadline: Date) => Promise<T>,
): Promise<ActionResult<T>> {
  const parsed = schema.safeParse(toObject(input));
  if (!parsed.success) {
    const fieldErrors = z.flattenError(parsed.error).fieldErrors as Record<string, string[]>;
    return { ok: false, error: "Please correct the highlighted fields.", fieldErrors };
  }
  const ms = opts.deadlineMs?.() ?? env().ACTION_DEADLINE_MS;
  try {
    const data = await withDeadline(body(parsed.data, new Date(Date.now() + ms)), ms + BACKSTOP_GRACE_MS);
    // With a read replica: the person's next pages read their own change (read-your-writes).
    await rememberWritePosition().catch(() => undefined);
    return { ok: true, data };
  } catch (err) {
    if (err instanceof UserError) return { ok: false, error: err.message, fieldErrors: err.fieldErrors };
    // Domain errors are written for the person ("Only the workspace owner can change plans.").
    if (err instanceof DomainError) return { ok: false, error: err.message };
    if (err instanceof DeadlineExceededError || isDatabaseUnavailable(err)) {
      return { ok: false, error: "This took too long, so it was stopped. Reload to see where things stand before trying again: a retried request is never applied twice." };
    }
    console.error(err);
    return { ok: false, error: "Something went wrong on our side. Nothing was changed; please try again." };
  }
}

/**
 * The one wrapper for server actions that need a signed-in person: validates the input
 * (form strings coerced by the schema), loads the session, then runs the handler. The
 * session check lives here, inside the action, because a page check does not protect it.
 */
export function authedAction<S extends z.ZodType, T>(
  schema: S,
  handler: (input: z.infer<S>, ctx: { db: Db; user: SessionUser; deadline: Date }) => Promise<T>,
  opts: ActionOptions = {},
) {
  return async (input: ActionInput): Promise<ActionResult<T>> => {
    const user = await getSessionUser();
    if (!user) return { ok: false, error: "Your session has ended. Please sign in again." };
    return run(schema, input, opts, async (data, deadline) => handler(data, { db: await getDb(), user, deadline }));
  };
}

/** The same for the few actions open to visitors (sign-up). */
export function publicAction<S extends z.ZodType, T>(
  schema: S,
  handler: (input: z.infer<S>, ctx: { db: Db }) => Promise<T>,
) {
  return async (input: ActionInput): Promise<ActionResult<T>> => run(schema, input, {}, async (data) => handler(data, { db: await getDb() }));
}
