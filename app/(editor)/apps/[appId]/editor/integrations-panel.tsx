"use client";

import { useEffect, useRef, useState } from "react";
import { useRefreshCredits } from "@/components/credits/queries";
import { OutOfCreditsNotice } from "@/components/credits/out-of-credits";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/use-action";
import { creditsText } from "@/lib/credits/amounts";
import type { OutOfCredits } from "@/lib/apps/editor";
import { runIntegrationAction } from "./actions";
import { cardClass } from "@/components/ui/surface";

interface ActionInfo {
  action: string;
  label: string;
  unit: number;
}

/** Runs the app's integrations; each costs the app owner's integration credits. */
export function IntegrationsPanel({
  appId,
  workspaceId,
  actions,
  payerName,
  isOwner,
  ownerName,
}: {
  appId: string;
  workspaceId: string;
  actions: ActionInfo[];
  payerName: string;
  isOwner: boolean;
  ownerName: string;
}) {
  const [running, setRunning] = useState<string | null>(null);
  const [output, setOutput] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<OutOfCredits | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const { message, run: runAction } = useAction();
  const error = message?.tone === "error" ? message.text : failed;
  const refresh = useRefreshCredits();
  // Past its cap the app's integrations are refused until the cycle resets: Run stays off.
  const capped = refusal?.refusal === "app_cap_reached";
  // What a Run answered is brought into view: it sits below the list, often off-screen.
  const answer = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (output || refusal || error) answer.current?.scrollIntoView({ block: "nearest" });
  }, [output, refusal, error]);

  function run(a: ActionInfo) {
    setRunning(a.action);
    setOutput(null);
    setRefusal(null);
    setFailed(null);
    void runAction(runIntegrationAction, { appId, action: a.action, requestId: crypto.randomUUID() }, {
      then: async (res) => {
        setRunning(null);
        await refresh();
        if (!res.ok) return;
        const r = res.data;
        if (r.status === "out_of_credits") return setRefusal(r);
        if (r.status === "failed") return setFailed(r.message);
        setOutput(`${r.output} ${creditsText(r.charged, "integration")} used from ${payerName === "you" ? "your balance" : payerName === "the shared pool" ? "the shared pool" : `${payerName}'s balance`}.`);
      },
    });
  }

  return (
    <section aria-labelledby="integrations-title" className={cardClass("space-y-3 p-4")}>
      <h2 id="integrations-title" className="font-semibold">
        Integrations
      </h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {payerName === "the shared pool" ? "Paid from the workspace's shared pool, whoever runs them." : <>Paid from {payerName === "you" ? "your" : `${payerName}'s (the app owner's)`} integration credits, whoever runs them.</>}
      </p>
      <ul className="divide-y divide-zinc-200 dark:divide-zinc-800">
        {actions.map((a) => (
          <li key={a.action} className="flex items-center justify-between gap-2 py-2 text-sm">
            <span>
              {a.label}
              <span className="block text-xs text-zinc-600 dark:text-zinc-400">
                {creditsText(a.unit, "integration")}
              </span>
            </span>
            <Button type="button" variant="secondary" disabled={running !== null || capped} onClick={() => run(a)} aria-label={`Run ${a.label} (${creditsText(a.unit)})`}>
              {running === a.action ? "Running…" : "Run"}
            </Button>
          </li>
        ))}
      </ul>
      <div aria-live="polite" ref={answer} className="scroll-mb-4">
        {output ? <Alert tone="info">{output}</Alert> : null}
        {refusal ? <OutOfCreditsNotice refusal={refusal} isOwner={isOwner} ownerName={ownerName} workspaceId={workspaceId} /> : null}
        {error ? <Alert>{error}</Alert> : null}
      </div>
    </section>
  );
}
