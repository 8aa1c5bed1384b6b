"use client";

import { useCallback, useEffect, useId, useState, useTransition, type FormEvent } from "react";
import type { Action, ActionInput, ActionResult } from "@/lib/action";

export interface ActionMessage {
  tone: "info" | "error";
  text: string;
}

/** How long a success message stays: long enough to read, gone before it describes a past state. */
export const SUCCESS_MESSAGE_MS = 8000;
/** Told when any action on the page starts, so another control's old success message goes. */
const actionStarts = typeof window === "undefined" ? null : new EventTarget();

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
export function useAction<T = unknown>(opts: { background?: boolean } = {}) {
  // A background hook only reads (options for a dialog, a refresh): its runs leave other
  // controls' messages alone, so the answer to the decision it refreshes after stays readable.
  const announces = !opts.background;
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<ActionResult<T> | null>(null);
  const [message, setMessage] = useState<ActionMessage | null>(null);
  const id = useId();

  // A success message describes the moment it was written: it goes when another action on the
  // page starts (the state it described may be gone) or after a while. Errors stay until the
  // person acts again, so a failure is never missed.
  useEffect(() => {
    if (message?.tone !== "info") return;
    const timer = setTimeout(() => setMessage(null), SUCCESS_MESSAGE_MS);
    const onOther = (e: Event) => (e as CustomEvent<string>).detail !== id && setMessage(null);
    actionStarts?.addEventListener("start", onOther);
    return () => {
      clearTimeout(timer);
      actionStarts?.removeEventListener("start", onOther);
    };
  }, [message, id]);

  const run = useCallback(
    <R extends T>(action: Action<R>, input: ActionInput, opts: RunOptions<R> = {}) =>
      new Promise<ActionResult<R>>((resolve) => {
        setMessage(null);
        if (announces) actionStarts?.dispatchEvent(new CustomEvent("start", { detail: id }));
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
    [id, announces],
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
