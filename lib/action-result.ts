/**
 * The one shape of every server action's input and answer, on its own so that code below the
 * action wrapper (the sign-in call, which is not a server action but answers the same way) can
 * use it without importing the wrapper.
 */
export type ActionResult<T> =
  | { ok: true; data: T }
  | { ok: false; error: string; fieldErrors?: Record<string, string[]> };

/** What a form or a component sends: the form's fields, or an object of the same fields. */
export type ActionInput = FormData | Record<string, unknown>;

/** The one shape of every server action: one input in, one result out. */
export type Action<T> = (input: ActionInput) => Promise<ActionResult<T>>;
