"use client";

import { useState } from "react";
import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { useAction } from "@/components/use-action";
import { formatCredits } from "@/lib/credits/amounts";
import { MAX_PACKS_PER_PURCHASE } from "@/lib/credits/plans";
import { formatPrice } from "@/lib/format/price";
import { moveLotsAction, setAutoTopUpAction } from "./actions";

interface Rule {
  enabled: boolean;
  threshold: number;
  packs: number;
  maxPerCycle: number;
  disabledReason?: string | null;
}

/** Auto top-up for one kind of one seat: below a threshold, buy packs, at most so often a cycle. */
export function AutoTopUpForm({
  seatId,
  seatLabel,
  kind,
  pack,
  rule,
  usedThisCycle,
}: {
  seatId: string;
  seatLabel: string;
  kind: "message" | "integration";
  pack: { credits: number; priceCents: number };
  rule: Rule | null;
  /** Automatic purchases of this kind so far this cycle (each counts toward the maximum). */
  usedThisCycle: number;
}) {
  const { pending, message, onSubmit } = useAction();
  const [enabled, setEnabled] = useState(rule?.enabled ?? false);
  const [packs, setPacks] = useState(rule?.packs ?? 1);
  const [maxPerCycle, setMaxPerCycle] = useState(rule?.maxPerCycle ?? 2);
  return (
    <form onSubmit={onSubmit(setAutoTopUpAction, { success: (r) => (r.enabled ? `Auto top-up of ${kind} credits is on for ${seatLabel}.` : `Auto top-up of ${kind} credits is off for ${seatLabel}.`) })} className="space-y-2">
      <input type="hidden" name="seatId" value={seatId} />
      <input type="hidden" name="kind" value={kind} />
      <input type="hidden" name="enabled" value={enabled ? "true" : "false"} />
      <label className="flex items-center gap-2 text-sm font-medium">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} className="h-4 w-4" />
        Buy {kind} credits automatically ({formatCredits(pack.credits)} credits for {formatPrice(pack.priceCents)} a pack)
      </label>
      {rule?.disabledReason ? <p className="text-sm text-amber-800 dark:text-amber-300">Switched off: {rule.disabledReason}</p> : null}
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="When available falls below" name="threshold" type="number" min={1} step={1} defaultValue={rule ? rule.threshold / 1000 : kind === "message" ? 10 : 200} required />
        <SelectField label="Buy" name="packs" value={String(packs)} onChange={(e) => setPacks(Number(e.target.value))} options={Array.from({ length: MAX_PACKS_PER_PURCHASE }, (_, i) => ({ value: String(i + 1), label: `${i + 1} pack${i ? "s" : ""}` }))} />
        <SelectField label="At most, per cycle" name="maxPerCycle" value={String(maxPerCycle)} onChange={(e) => setMaxPerCycle(Number(e.target.value))} options={Array.from({ length: 10 }, (_, i) => ({ value: String(i + 1), label: `${i + 1} time${i ? "s" : ""}` }))} />
      </div>
      <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid={`auto-top-up-spend-${kind}`}>
        {formatPrice(pack.priceCents * packs)} each time, at most <strong className="text-zinc-900 dark:text-zinc-100">{formatPrice(pack.priceCents * packs * maxPerCycle)}</strong> a cycle.
        {rule ? ` Bought automatically ${usedThisCycle} of ${rule.maxPerCycle} time${rule.maxPerCycle === 1 ? "" : "s"} this cycle.` : null}
      </p>
      <Button type="submit" variant="secondary" className="py-1.5" disabled={pending}>
        Save
      </Button>
      <ActionStatus status={message} />
    </form>
  );
}

/** Moves a paused top-up (its seat ended) to an active seat. */
export function MoveLotForm({ lotId, seats }: { lotId: string; seats: { id: string; label: string }[] }) {
  const { pending, message, run } = useAction();
  const [toSeatId, setToSeatId] = useState(seats[0]?.id ?? "");
  if (seats.length === 0) return <span className="text-xs text-zinc-600 dark:text-zinc-400">No active seat to move it to</span>;
  return (
    <div className="flex flex-wrap items-center gap-2">
      <SelectField label="Move to seat" hideLabel value={toSeatId} onChange={(e) => setToSeatId(e.target.value)} options={seats.map((s) => ({ value: s.id, label: s.label }))} />
      <Button type="button" variant="secondary" className="py-1" disabled={pending} onClick={() => run(moveLotsAction, { lotIds: [lotId], toSeatId }, { success: () => "Moved: the top-up counts on that seat now." })}>
        Move
      </Button>
      <ActionStatus status={message} />
    </div>
  );
}
