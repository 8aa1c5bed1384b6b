"use client";

import { useCallback, useState, useTransition, type FormEvent } from "react";
import type { Action, ActionInput, ActionResult } from "@/lib/action";

export interface ActionMessage {
  tone: "info" | "error";
  text: string;
}

const UNREACHABLE: ActionResult<never> = { ok: false, error: "We couldn't reach the server. Check your connection; nothing was changed." };

type RunOptions<R> = {
  /** The message to show when it worked (none when it returns nothing). */
  success?: (data: R) => string | null | void;
  /** Runs after the result is in, whichever it is (navigate, refresh a query…). */
  then?: (result: ActionResult<R>) => unknown;
};

/**
 * The one client hook for every form and button that calls a server action (or, for sign-in,
 * a client call of the same shape): pending state, the last result, field errors, and a
 * message for the person — what happened, or what went wrong. `T` is the data of the result
 * the component reads back, when it reads one.
 */
export function useAction<T = unknown>() {
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<ActionResult<T> | null>(null);
  const [message, setMessage] = useState<ActionMessage | null>(null);

  const run = useCallback(
    <R extends T>(action: Action<R>, input: ActionInput, opts: RunOptions<R> = {}) =>
      new Promise<ActionResult<R>>((resolve) => {
        setMessage(null);
        startTransition(async () => {
          const res = await action(input).catch((): ActionResult<R> => UNREACHABLE);
          setResult(res);
          if (res.ok) {
            const text = opts.success?.(res.data);
            setMessage(text ? { tone: "info", text } : null);
          } else {
            setMessage({ tone: "error", text: Object.values(res.fieldErrors ?? {})[0]?.[0] ?? res.error });
          }
          await opts.then?.(res);
          resolve(res);
        });
      }),
    [],
  );

  /** A form's submit handler: sends the form's fields to `action`. */
  const onSubmit =
    <R extends T>(action: Action<R>, opts?: RunOptions<R>) =>
    (event: FormEvent<HTMLFormElement>) => {
      event.preventDefault();
      void run(action, new FormData(event.currentTarget), opts);
    };

  const fieldError = (name: string) => (result && !result.ok ? result.fieldErrors?.[name]?.[0] : undefined);

  return { pending, result, message, run, onSubmit, fieldError };
}

/**
 * The key of an owner's decision (add a seat, upgrade): made once per decision on the page,
 * so a double-click or a retry sends the same decision and is charged once. `next()` after the
 * decision is answered, for the next one.
 */
export function useDecisionKey() {
  const [key, setKey] = useState(() => crypto.randomUUID());
  return { decisionKey: key, next: () => setKey(crypto.randomUUID()) };
}
