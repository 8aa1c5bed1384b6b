"use client";

import { useState } from "react";
import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { Confirm } from "@/components/ui/confirm";
import { SelectField } from "@/components/ui/field";
import { useAction, useDecisionKey } from "@/components/use-action";
import { formatCredits } from "@/lib/credits/amounts";
import { formatPrice } from "@/lib/format/price";
import { formatInZone } from "@/components/local-time";
import { addSeatAction, cancelPlanAction, changeSeatPlanAction, removeSeatAction, resumePlanAction, undoChangeAction } from "./actions";

const when = (iso: string) => formatInZone(iso, true, undefined);

export function SeatPlanControl(props: {
  seatId: string;
  holder: string;
  currentPlanId: string;
  currentRank: number;
  pendingChangeId: string | null;
  plans: { id: string; name: string; rank: number; message: number; integration: number; priceCents: number }[];
  used: number;
  usedIntegration: number;
  /** When this cycle ends: when a downgrade applies and the next bill is due. */
  cycleEnd: string | null;
  /** "1,500 integration top-up credits": what pauses if the seat ends (null: none). */
  topUps: string | null;
  /** The workspace's shared pool: its plan is the credit level; it ends only by a switch of model. */
  pool?: boolean;
}) {
  const [toPlanId, setToPlanId] = useState(props.currentPlanId);
  const decision = useDecisionKey();
  const { pending, message, run } = useAction();
  const target = props.plans.find((p) => p.id === toPlanId)!;
  const current = props.plans.find((p) => p.id === props.currentPlanId)!;
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
        <Confirm
          title={upgrade ? `Upgrade ${props.holder}'s seat to ${target.name}?` : `Move ${props.holder}'s seat to ${target.name}?`}
          confirmLabel={upgrade ? `Upgrade and pay ${formatPrice(target.priceCents - current.priceCents)}` : `Downgrade at cycle end`}
          onConfirm={() =>
            run(changeSeatPlanAction, { seatId: props.seatId, toPlanId, decisionKey: decision.decisionKey }, {
              then: decision.next,
              success: (r) =>
                r.effect === "now"
                  ? `Upgraded to ${target.name} now: ${formatCredits(props.used)} of ${formatCredits(target.message)} message credits used this cycle. Credits already used stay used.`
                  : `Moves to ${target.name} on ${when(r.effectiveAt)}, when this cycle ends. You can undo it until then.`,
            })
          }
          trigger={
            <Button type="button" variant="secondary" className="py-1.5" disabled={pending || toPlanId === props.currentPlanId}>
              {toPlanId === props.currentPlanId ? "Change plan" : upgrade ? `Upgrade to ${target.name}` : `Downgrade to ${target.name}`}
            </Button>
          }
        >
          {upgrade ? (
            <>
              <p data-testid="upgrade-terms">
                From now: <strong>{formatCredits(target.message)} message</strong> and <strong>{formatCredits(target.integration)} integration</strong> credits this cycle. What was
                already used stays used ({formatCredits(props.used)} message, {formatCredits(props.usedIntegration)} integration).
              </p>
              <p>
                You pay <strong>{formatPrice(target.priceCents - current.priceCents)}</strong> now (the difference from {current.name}), then{" "}
                {formatPrice(target.priceCents)} a month{props.cycleEnd ? <> from {when(props.cycleEnd)}</> : null}.
              </p>
            </>
          ) : (
            <p>
              The seat keeps {current.name} until {props.cycleEnd ? when(props.cycleEnd) : "this cycle ends"}; then {formatCredits(target.message)} message and{" "}
              {formatCredits(target.integration)} integration credits a month, for {formatPrice(target.priceCents)} a month. You can undo it until then.
            </p>
          )}
        </Confirm>
        {props.pendingChangeId ? (
          <Button type="button" variant="secondary" className="py-1.5" disabled={pending} onClick={() => run(undoChangeAction, { changeId: props.pendingChangeId! }, { success: () => "Pending change undone." })}>
            Undo pending change
          </Button>
        ) : props.pool ? null : (
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
            <p>
              The seat stays until {props.cycleEnd ? when(props.cycleEnd) : "the end of this cycle"}; then {props.holder === "Unassigned seat" ? "it ends" : `${props.holder} falls back to the daily Free allowance and is told so now`}. You can undo
              this until then.
            </p>
            {props.topUps ? (
              <p data-testid="pausing-top-ups">
                Its <strong>{props.topUps}</strong> pause when it ends; you can move them to another paid seat from Top-up credits below.
              </p>
            ) : null}
          </Confirm>
        )}
      </div>
      <ActionStatus status={message} />
    </div>
  );
}

export function AddSeatForm({
  workspaceId,
  plans,
  members,
  defaultHolder = "",
}: {
  workspaceId: string;
  plans: { id: string; label: string }[];
  members: { userId: string; name: string }[];
  /** Who gets the seat unless the owner picks someone else: the owner, when they have no seat yet. */
  defaultHolder?: string;
}) {
  const [planId, setPlanId] = useState(plans[0]?.id ?? "starter");
  const [holder, setHolder] = useState(defaultHolder);
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

export function CancelPlanButton({
  workspaceId,
  endsAt,
  replaces,
  topUps,
}: {
  workspaceId: string;
  endsAt: string | null;
  /** The seats' own pending changes the cancellation puts aside ("Grace's seat moves to Starter"). */
  replaces: string[];
  /** "1,500 integration top-up credits" that pause when the seats end (null: none). */
  topUps: string | null;
}) {
  const { pending, message, run } = useAction();
  return (
    <div className="space-y-2">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">Every paid seat stays until the cycle ends; you can resume until then.</p>
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
        <p>Every paid seat stays until {endsAt ? when(endsAt) : "the end of this cycle"}; after that everyone uses the daily Free allowance, and each seat holder is told now. You can undo this until then.</p>
        {replaces.length > 0 ? (
          <div data-testid="cancel-replaces">
            <p>It takes the place of the changes already pending:</p>
            <ul className="list-disc pl-5">
              {replaces.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
            <p>Resuming the plan puts them back as they were.</p>
          </div>
        ) : null}
        {topUps ? <p data-testid="cancel-top-ups">The seats&apos; <strong>{topUps}</strong> pause when the plan ends; they come back if you add a paid seat and move them to it.</p> : null}
      </Confirm>
      <ActionStatus status={message} />
    </div>
  );
}

/** The one banner of a cancelled plan: when it ends, and one click to keep it. */
export function ResumePlanBanner({ workspaceId, endsAt }: { workspaceId: string; endsAt: string }) {
  const { pending, message, run } = useAction();
  return (
    <div role="status" className="flex flex-wrap items-center justify-between gap-3 rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
      <p>
        <strong>The paid plan ends {when(endsAt)}.</strong> After that everyone uses the daily Free allowance.
      </p>
      <Button type="button" disabled={pending} onClick={() => run(resumePlanAction, { workspaceId }, { success: (r) => `Resumed: all ${r.seats} seats carry on.` })}>
        Resume the plan
      </Button>
      <ActionStatus status={message} />
    </div>
  );
}
