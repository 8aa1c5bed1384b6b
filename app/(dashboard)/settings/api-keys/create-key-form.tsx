"use client";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { SelectField } from "@/components/ui/field";
import { useAction } from "@/components/use-action";
import { createKeyAction } from "./actions";
import { cardClass } from "@/components/ui/surface";

export function CreateKeyForm({ apps, revokedPrefixes }: { apps: { id: string; name: string }[]; /** Keys revoked since: a new key revoked meanwhile is not shown any more. */ revokedPrefixes: string[] }) {
  const { pending, result: state, onSubmit } = useAction<{ appName: string; key: string; prefix: string }>();
  return (
    <div className={cardClass("space-y-3 p-4")}>
      <form method="post" onSubmit={onSubmit(createKeyAction)} className="flex flex-wrap items-end gap-3">
        <SelectField label="App" name="appId" options={apps.map((a) => ({ value: a.id, label: a.name }))} />
        <Button type="submit" disabled={pending}>
          {pending ? "Creating…" : "Create key"}
        </Button>
      </form>
      {state && !state.ok ? <Alert>{state.error}</Alert> : null}
      {state?.ok && revokedPrefixes.includes(state.data.prefix) ? (
        <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="new-key-revoked">
          The key you just created for {state.data.appName} ({state.data.prefix}…) was revoked: it no longer works, so it is not shown any more.
        </p>
      ) : state?.ok ? (
        <div role="status" className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
          <p>
            New key for <strong>{state.data.appName}</strong>. Copy it now: it will not be shown again.
          </p>
          <code className="block break-all rounded bg-white px-2 py-1 font-mono text-zinc-900 dark:bg-zinc-900 dark:text-zinc-100" data-testid="new-key">
            {state.data.key}
          </code>
          <CopyButton text={state.data.key} className="">
            Copy key
          </CopyButton>
        </div>
      ) : null}
    </div>
  );
}
