"use client";

import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useBalance, useRefreshCredits } from "@/components/credits/queries";
import { OutOfCreditsNotice } from "@/components/credits/out-of-credits";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/use-action";
import { creditsText, formatCredits } from "@/lib/credits/amounts";
import type { OutOfCredits } from "@/lib/apps/editor";
import { sendMessageAction } from "./actions";
import { cardClass } from "@/components/ui/surface";

type Mode = "discuss" | "implement";
interface Message {
  id: string;
  from: "you" | "ai";
  mode: Mode;
  text: string;
  cost?: number;
}

const modeLabel: Record<Mode, string> = { discuss: "Discuss", implement: "Implement" };

/** The AI chat: two modes, the cost of the next message shown before it is sent. */
export function ChatPanel({ appId, workspaceId, costs, isOwner, ownerName }: { appId: string; workspaceId: string; costs: Record<Mode, number>; isOwner: boolean; ownerName: string }) {
  const [mode, setMode] = useState<Mode>("discuss");
  const [text, setText] = useState("");
  const [messages, setMessages] = useState<Message[]>([]);
  // The newest message is the one to read: each new one is brought into view.
  const newest = useRef<HTMLLIElement>(null);
  useEffect(() => {
    newest.current?.scrollIntoView({ block: "nearest" });
  }, [messages.length]);
  const { pending, message, run } = useAction();
  const [refusal, setRefusal] = useState<OutOfCredits | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const error = message?.tone === "error" ? message.text : failed;
  const refresh = useRefreshCredits();
  const { data: balance } = useBalance(workspaceId);
  const inputId = useId();
  // Below the price of this message nothing can be sent: say so before, not after, sending.
  const milli = (credits: number) => Math.round(credits * 1000);
  // In a shared pool a limited member can spend the smaller of the pool and what is left of their limit.
  const limitLeft = balance?.limit ? milli(balance.limit.remaining) : Infinity;
  const poolLeft = balance ? milli(balance.message.available) : Infinity;
  const cannotAfford: OutOfCredits | null =
    balance && Math.min(poolLeft, limitLeft) < costs[mode]
      ? {
          status: "out_of_credits",
          kind: "message",
          remaining: Math.min(poolLeft, limitLeft),
          needed: costs[mode],
          resetsAt: balance.message.cycleEnd,
          payer: "you",
          refusal: limitLeft < costs[mode] && limitLeft <= poolLeft ? "member_limit" : "insufficient_credits",
          onSeat: balance.accountType !== "free",
          pool: balance.accountType === "pool",
        }
      : null;
  // While a top-up bought from the notice is being confirmed, the notice stays (its dialog lives in it).
  const [buyingFrom, setBuyingFrom] = useState<OutOfCredits | null>(null);
  const shownRefusal = refusal ?? cannotAfford ?? buyingFrom;
  const costText = creditsText(costs[mode], "message");

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const prompt = text.trim();
    if (!prompt || pending || cannotAfford) return;
    setFailed(null);
    setRefusal(null);
    const requestId = crypto.randomUUID();
    void run(sendMessageAction, { appId, mode, text: prompt, requestId }, {
      then: async (res) => {
        await refresh();
        if (!res.ok) return;
        const r = res.data;
        if (r.status === "out_of_credits") return setRefusal(r);
        if (r.status === "failed") return setFailed(r.message);
        setText("");
        setMessages((m) => [...m, { id: `${requestId}-q`, from: "you", mode, text: prompt, cost: r.charged }, { id: `${requestId}-a`, from: "ai", mode, text: r.reply }]);
      },
    });
  }

  return (
    <section aria-labelledby="chat-title" className={cardClass("flex min-h-[24rem] flex-col lg:h-[calc(100dvh-5.5rem)]")}>
      <div className="flex items-center justify-between gap-2 border-b border-zinc-200 px-4 py-3 dark:border-zinc-800">
        <h2 id="chat-title" className="font-semibold">
          Chat with the AI
        </h2>
        <fieldset className="flex rounded-lg bg-zinc-100 p-0.5 text-sm dark:bg-zinc-800">
          <legend className="sr-only">Mode</legend>
          {(["discuss", "implement"] as const).map((m) => (
            <label
              key={m}
              className="cursor-pointer rounded-md px-3 py-1 has-[:checked]:bg-white has-[:checked]:font-medium has-[:checked]:shadow-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600 dark:has-[:checked]:bg-zinc-950"
            >
              <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} className="sr-only" />
              {modeLabel[m]}
            </label>
          ))}
        </fieldset>
      </div>
      <ol aria-label="Conversation" aria-live="polite" className="max-h-[55dvh] min-h-0 flex-1 space-y-3 overflow-y-auto p-4 lg:max-h-none">
        {messages.length === 0 ? (
          <li className="text-sm text-zinc-600 dark:text-zinc-400">
            Ask a question in <strong>Discuss</strong> mode, or describe a change in <strong>Implement</strong> mode and the AI will make it.
          </li>
        ) : (
          messages.map((m, i) => (
            <li key={m.id} ref={i === messages.length - 1 ? newest : undefined} className={m.from === "you" ? "ml-auto max-w-[85%] rounded-lg bg-indigo-600 px-3 py-2 text-sm text-white" : "max-w-[85%] rounded-lg bg-zinc-100 px-3 py-2 text-sm dark:bg-zinc-800"}>
              <span className="sr-only">{m.from === "you" ? "You" : "AI"}: </span>
              {m.text}
              {m.cost !== undefined ? <span className="mt-1 block text-xs opacity-80">{modeLabel[m.mode]} · {creditsText(m.cost)}</span> : null}
            </li>
          ))
        )}
      </ol>
      <form onSubmit={onSubmit} className="space-y-2 border-t border-zinc-200 p-4 dark:border-zinc-800">
        {shownRefusal ? (
          <OutOfCreditsNotice
            refusal={shownRefusal}
            before={!refusal}
            isOwner={isOwner}
            ownerName={ownerName}
            workspaceId={workspaceId}
            onBuying={(open) => setBuyingFrom(open ? shownRefusal : null)}
          />
        ) : null}
        {error ? <Alert>{error}</Alert> : null}
        <label htmlFor={inputId} className="sr-only">
          Message
        </label>
        <textarea
          id={inputId}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            // Enter sends, Shift+Enter starts a new line (as in every AI chat); not while an
            // input method is composing a character.
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) onSubmit(e);
          }}
          aria-describedby={`${inputId}-hint`}
          rows={2}
          maxLength={4000}
          placeholder={mode === "discuss" ? "Ask about your app…" : "Describe the change to make…"}
          className="block w-full resize-y rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/40 focus:outline-none dark:border-zinc-700 dark:bg-zinc-950"
        />
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p id={`${inputId}-hint`} className="text-sm text-zinc-600 dark:text-zinc-400">
            <span data-testid="next-cost">This message will cost {costText}.</span> Enter sends; Shift+Enter starts a new line.
          </p>
          <Button type="submit" disabled={pending || !text.trim() || !!cannotAfford}>
            {pending ? "Sending…" : `Send · ${formatCredits(costs[mode])}`}
          </Button>
        </div>
      </form>
    </section>
  );
}
