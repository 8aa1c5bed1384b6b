"use client";

import { useState } from "react";
import { ActionStatus } from "@/components/action-status";
import { LocalTime } from "@/components/local-time";
import { Button } from "@/components/ui/button";
import { Confirm } from "@/components/ui/confirm";
import { SelectField } from "@/components/ui/field";
import { cardClass } from "@/components/ui/surface";
import { useAction, useDecisionKey } from "@/components/use-action";
import { scheduleModelSwitchAction, startPoolAction, undoModelSwitchAction } from "./actions";

type PlanOption = { id: string; label: string; name: string };

/**
 * Billing → Credit model: per seat (each paid member has their own credits) or one shared pool
 * everyone draws from. A workspace without paid seats opens a pool at once (paid like a seat);
 * otherwise a switch waits for the next billing date and can be undone until then.
 */
export function CreditModelSection(props: {
  workspaceId: string;
  model: "seats" | "pool";
  isOwner: boolean;
  hasSeats: boolean;
  plans: PlanOption[];
  nextBillingAt: string | null;
  pending: { to: "seats" | "pool"; planName: string | null; at: string } | null;
}) {
  const { pending, message, run } = useAction();
  const decision = useDecisionKey();
  const [planId, setPlanId] = useState(props.plans[0]?.id ?? "");
  const plan = props.plans.find((p) => p.id === planId);
  const now = !props.hasSeats && props.model === "seats";
  return (
    <section aria-labelledby="model-title" className={cardClass("space-y-3 p-5")}>
      <h3 id="model-title" className="text-lg font-semibold">
        Credit model
      </h3>
      <p className="text-sm" data-testid="credit-model">
        {props.model === "pool"
          ? "Shared pool: one plan for the workspace, and every member's messages and every app's integrations draw from it. Members need no seat; owners and admins can limit each member's messages (Settings → Workspace)."
          : "Per seat: each paid seat has its own credits; members without a seat use their daily Free allowance."}
      </p>
      {props.pending ? (
        <div className="flex flex-wrap items-center gap-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:bg-amber-950 dark:text-amber-100" data-testid="pending-model">
          <span>
            Pending: switches to {props.pending.to === "pool" ? `a shared ${props.pending.planName ?? ""} pool` : "paid seats"} on <LocalTime iso={props.pending.at} />.{" "}
            {props.pending.to === "pool" ? "Then every seat ends and its unexpired top-ups move to the pool." : "Then the pool ends and its top-ups pause until you move them to a seat."}
          </span>
          {props.isOwner ? (
            <Button type="button" variant="secondary" className="py-1" disabled={pending} onClick={() => run(undoModelSwitchAction, { workspaceId: props.workspaceId }, { success: () => "The switch is undone; nothing changes." })}>
              Undo switch
            </Button>
          ) : null}
        </div>
      ) : props.isOwner ? (
        <div className="flex flex-wrap items-end gap-2">
          {props.model === "seats" ? (
            <>
              <SelectField label="Pool plan" value={planId} onChange={(e) => setPlanId(e.target.value)} options={props.plans.map((p) => ({ value: p.id, label: p.label }))} />
              <Confirm
                title={now ? `Open a shared ${plan?.name ?? ""} pool now?` : `Switch to a shared ${plan?.name ?? ""} pool?`}
                confirmLabel={now ? "Pay and open the pool" : "Schedule the switch"}
                onConfirm={() =>
                  now
                    ? run(startPoolAction, { workspaceId: props.workspaceId, planId, decisionKey: decision.decisionKey }, { success: () => (decision.next(), "The shared pool is open: everyone here draws from it now.") })
                    : run(scheduleModelSwitchAction, { workspaceId: props.workspaceId, to: "pool", planId }, { success: (r) => `The switch is scheduled for ${new Date(r.effectiveAt).toLocaleString()}. You can undo it until then.` })
                }
                trigger={
                  <Button type="button" disabled={pending || !plan}>
                    {now ? "Open a shared pool" : "Switch to a shared pool"}
                  </Button>
                }
              >
                {now ? (
                  <p>The pool starts now with the {plan?.name} plan&apos;s full allowance, and today becomes the billing date if there was none. Members need no seat.</p>
                ) : (
                  <p>
                    At the next billing date{props.nextBillingAt ? <> (<LocalTime iso={props.nextBillingAt} />)</> : null} every paid seat ends and the pool starts with the {plan?.name} plan.
                    Unexpired top-ups move to the pool; this cycle&apos;s usage stays with the seats. You can undo it until then.
                  </p>
                )}
              </Confirm>
            </>
          ) : (
            <Confirm
              title="Switch to paid seats?"
              confirmLabel="Schedule the switch"
              danger
              onConfirm={() => run(scheduleModelSwitchAction, { workspaceId: props.workspaceId, to: "seats" }, { success: (r) => `The switch is scheduled for ${new Date(r.effectiveAt).toLocaleString()}. You can undo it until then.` })}
              trigger={
                <Button type="button" variant="secondary" disabled={pending}>
                  Switch to paid seats
                </Button>
              }
            >
              <p>
                At the next billing date{props.nextBillingAt ? <> (<LocalTime iso={props.nextBillingAt} />)</> : null} the pool ends; members use their daily Free allowance until you add seats.
                The pool&apos;s top-ups pause until you move them to a seat. You can undo it until then.
              </p>
            </Confirm>
          )}
        </div>
      ) : null}
      <ActionStatus status={message} />
    </section>
  );
}
