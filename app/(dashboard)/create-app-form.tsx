"use client";

import { useRouter } from "next/navigation";
import { useId } from "react";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/use-action";
import { createAppAction } from "./actions";

export function CreateAppForm({ workspaceId }: { workspaceId: string }) {
  const { pending, message, onSubmit } = useAction();
  const router = useRouter();
  const id = useId();
  const error = message?.tone === "error" ? message.text : null;
  return (
    <form method="post" onSubmit={onSubmit(createAppAction, { then: (r) => (r.ok ? router.push(`/apps/${r.data.id}/editor`) : undefined) })} className="flex flex-wrap items-start gap-2">
      <input type="hidden" name="workspaceId" value={workspaceId} />
      <div>
        <label htmlFor={id} className="sr-only">
          New app name
        </label>
        <input
          id={id}
          name="name"
          required
          maxLength={60}
          placeholder="New app name"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          className="rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900"
        />
        {error ? (
          <p id={`${id}-error`} className="mt-1 text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        ) : null}
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create app"}
      </Button>
    </form>
  );
}
