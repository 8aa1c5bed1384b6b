"use client";

import { useId } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { selectClass } from "@/components/ui/field";

/** An invitation's link with a copy button; it stays on screen until the person moves on. */
export function InvitationLink({ email, path, note }: { email: string; path: string; note?: string }) {
  const id = useId();
  const link = typeof window === "undefined" ? path : `${window.location.origin}${path}`;
  return (
    <div className="space-y-2 rounded-md border border-zinc-200 bg-zinc-50 p-3 text-sm dark:border-zinc-700 dark:bg-zinc-900" data-testid={`invitation-link-${email}`}>
      <label htmlFor={id} className="block">
        The link for <strong>{email}</strong>: it works once, until it expires, for whoever is signed in as {email}.{note ? ` ${note}` : null}
      </label>
      <div className="flex flex-wrap items-center gap-2">
        <input id={id} readOnly value={link} onFocus={(e) => e.currentTarget.select()} className={`${selectClass} min-w-0 flex-1 font-mono text-xs`} />
        <CopyButton text={link}>Copy link</CopyButton>
      </div>
    </div>
  );
}
