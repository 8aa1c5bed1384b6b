"use client";

import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/action";

/** Runs a server action and keeps a message for the person: what happened, or what went wrong. */
export function useActionStatus() {
  const [pending, startTransition] = useTransition();
  const [status, setStatus] = useState<{ tone: "info" | "error"; text: string } | null>(null);
  function run<T>(action: () => Promise<ActionResult<T>>, success: (data: T) => string) {
    setStatus(null);
    startTransition(async () => {
      const res = await action();
      setStatus(res.ok ? { tone: "info", text: success(res.data) } : { tone: "error", text: Object.values(res.fieldErrors ?? {})[0]?.[0] ?? res.error });
    });
  }
  return { pending, status, run };
}
