"use client";

import { useState, type FormEvent } from "react";
import { useRefreshCredits } from "@/components/credits/queries";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/use-action";
import type { ActionResult } from "@/lib/action";
import { Field } from "@/components/ui/field";
import type { AppDesign } from "@/lib/apps/editor";
import { manualEditAction } from "./actions";
import { cardClass } from "@/components/ui/surface";

/** Manual edits by hand: free, and the panel says so. */
export function VisualEditor({ appId, initial, appName }: { appId: string; initial: AppDesign; appName: string }) {
  const [design, setDesign] = useState(initial);
  const [draft, setDraft] = useState(initial);
  const { pending, message, run } = useAction();
  const refresh = useRefreshCredits();

  /** Saves each changed field as one free manual edit, stopping at the first refusal. */
  async function saveEdits(): Promise<ActionResult<{ saved: number }>> {
    const fields = (["title", "tagline", "accent"] as const).filter((f) => draft[f] !== design[f]);
    for (const field of fields) {
      const res = await manualEditAction({ appId, field, value: draft[field], requestId: crypto.randomUUID() });
      if (!res.ok) return res;
      if (res.data.status === "ok") setDesign(res.data.design);
    }
    return { ok: true, data: { saved: fields.length } };
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void run(saveEdits, {}, {
      success: ({ saved }) => (saved === 0 ? "Nothing to save." : "Saved. Manual edits are free: no credits were used."),
      then: refresh,
    });
  }
  const status = message?.tone === "info" ? message.text : null;
  const error = message?.tone === "error" ? message.text : null;

  return (
    <section aria-labelledby="visual-title" className={cardClass("space-y-3 p-4")}>
      <div className="flex items-baseline justify-between gap-2">
        <h2 id="visual-title" className="font-semibold">
          Visual editor
        </h2>
        <span className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">Free</span>
      </div>
      <div className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800" style={{ borderTop: `4px solid ${design.accent}` }} aria-label="Preview">
        <p className="text-lg font-semibold">{design.title || appName}</p>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{design.tagline || "Add a tagline"}</p>
      </div>
      <form onSubmit={onSubmit} className="space-y-3">
        <Field label="Headline" value={draft.title} maxLength={120} onChange={(e) => setDraft({ ...draft, title: e.target.value })} />
        <Field label="Tagline" value={draft.tagline} maxLength={120} onChange={(e) => setDraft({ ...draft, tagline: e.target.value })} />
        <Field label="Accent colour" type="color" value={draft.accent} onChange={(e) => setDraft({ ...draft, accent: e.target.value })} className="h-10 w-20 rounded border border-zinc-300 dark:border-zinc-700" />
        {error ? <Alert>{error}</Alert> : null}
        {status ? <Alert tone="info">{status}</Alert> : null}
        <div className="flex items-center justify-between gap-2">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Editing by hand costs nothing.</p>
          <Button type="submit" variant="secondary" disabled={pending}>
            {pending ? "Saving…" : "Save edits"}
          </Button>
        </div>
      </form>
    </section>
  );
}
