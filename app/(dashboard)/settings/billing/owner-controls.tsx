"use client";

import { useState } from "react";
import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { Confirm } from "@/components/ui/confirm";
import { SelectField } from "@/components/ui/field";
import { useAction, useDecisionKey } from "@/components/use-action";
import { formatCredits } from "@/lib/credits/amounts";
import { formatInZone } from "@/components/local-time";
import { addSeatAction, cancelPlanAction, changeSeatPlanAction, removeSeatAction, undoChangeAction } from "./actions";

const when = (iso: string) => formatInZone(iso, true, undefined);

export function SeatPlanControl(props: {
  seatId: string;
  holder: string;
  currentPlanId: string;
  currentRank: number;
  pendingChangeId: string | null;
  plans: { id: string; name: string; rank: number; message: number }[];
  used: number;
}) {
  const [toPlanId, setToPlanId] = useState(props.currentPlanId);
  const decision = useDecisionKey();
  const { pending, message, run } = useAction();
  const target = props.plans.find((p) => p.id === toPlanId)!;
  const upgrade = target.rank > props.currentRank;

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <SelectField
          label={`Plan for ${props.holder}`}
          hideLabel
          value={toPlanId}
          onChange={(e) => setToPlanId(e.target.value)}
          options={props.plans.map((p) => ({ value: p.id, label: p.name }))}
        />
        <Button
          type="button"
          variant="secondary"
          className="py-1.5"
          disabled={pending || toPlanId === props.currentPlanId}
          onClick={() =>
            run(changeSeatPlanAction, { seatId: props.seatId, toPlanId, decisionKey: decision.decisionKey }, { then: decision.next, success: (r) =>
                r.effect === "now"
                  ? `Upgraded to ${target.name} now: ${formatCredits(props.used)} of ${formatCredits(target.message)} message credits used this cycle. Credits already used stay used.`
                  : `Moves to ${target.name} on ${when(r.effectiveAt)}, when this cycle ends. You can undo it until then.`, }
            )
          }
        >
          {toPlanId === props.currentPlanId ? "Change plan" : upgrade ? `Upgrade to ${target.name}` : `Downgrade to ${target.name}`}
        </Button>
        {props.pendingChangeId ? (
          <Button type="button" variant="secondary" className="py-1.5" disabled={pending} onClick={() => run(undoChangeAction, { changeId: props.pendingChangeId! }, { success: () => "Pending change undone." })}>
            Undo pending change
          </Button>
        ) : (
          <Confirm
            title={`Remove ${props.holder}'s seat?`}
            confirmLabel="Remove at cycle end"
            danger
            onConfirm={() => run(removeSeatAction, { seatId: props.seatId }, { success: (r) => `The seat will be removed on ${r.effectiveAt ? when(r.effectiveAt) : "the cycle's end"}. You can undo it until then.` })}
            trigger={
              <Button type="button" variant="secondary" className="py-1.5" disabled={pending}>
                Remove seat
              </Button>
            }
          >
            <p>The seat stays until the end of this cycle; then its holder falls back to the daily Free allowance. You can undo this until then.</p>
          </Confirm>
        )}
      </div>
      <ActionStatus status={message} />
    </div>
  );
}

export function AddSeatForm({ workspaceId, plans, members }: { workspaceId: string; plans: { id: string; label: string }[]; members: { userId: string; name: string }[] }) {
  const [planId, setPlanId] = useState(plans[0]?.id ?? "starter");
  const [holder, setHolder] = useState("");
  const decision = useDecisionKey();
  const { pending, message, run } = useAction();
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end gap-3">
        <SelectField label="Plan" value={planId} onChange={(e) => setPlanId(e.target.value)} options={plans.map((p) => ({ value: p.id, label: p.label }))} />
        <SelectField
          label="Give it to"
          value={holder}
          onChange={(e) => setHolder(e.target.value)}
          options={[{ value: "", label: "Nobody yet (assign later)" }, ...members.map((m) => ({ value: m.userId, label: m.name }))]}
        />
        <Button
          type="button"
          disabled={pending}
          onClick={() => run(addSeatAction, { workspaceId, planId, holderUserId: holder, decisionKey: decision.decisionKey }, { then: decision.next, success: () => "Seat added. It is active now." })}
        >
          {pending ? "Adding…" : "Add seat"}
        </Button>
      </div>
      <ActionStatus status={message} />
    </div>
  );
}

export function CancelPlanButton({ workspaceId, endsAt }: { workspaceId: string; endsAt: string | null }) {
  const { pending, message, run } = useAction();
  return (
    <div className="space-y-2 border-t border-zinc-200 pt-3 dark:border-zinc-800">
      <Confirm
        title="Cancel the paid plan?"
        confirmLabel="Cancel at cycle end"
        danger
        onConfirm={() => run(cancelPlanAction, { workspaceId }, { success: (r) => `All ${r.seats} seats end when this cycle does. Undo any of them until then.` })}
        trigger={
          <Button type="button" variant="secondary" disabled={pending}>
            Cancel paid plan
          </Button>
        }
      >
        <p>Every paid seat stays until {endsAt ? when(endsAt) : "the end of this cycle"}; after that everyone uses the daily Free allowance. You can undo this until then.</p>
      </Confirm>
      <ActionStatus status={message} />
    </div>
  );
}
