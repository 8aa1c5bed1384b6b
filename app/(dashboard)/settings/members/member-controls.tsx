"use client";

import { useId, useState } from "react";
import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { Confirm } from "@/components/ui/confirm";
import { SelectField, selectClass } from "@/components/ui/field";
import { useAction } from "@/components/use-action";
import { formatCredits } from "@/lib/credits/amounts";
import type { Role } from "@/lib/workspaces/roles";
import { changeRoleAction, inviteAction, removeMemberAction, transferSeatAction } from "./actions";
import { cardClass } from "@/components/ui/surface";
import { topUpsText } from "@/components/credits/top-ups-text";
import { InvitationLink } from "./invitation-link";

const ROLE_OPTIONS = [
  { value: "member", label: "Member" },
  { value: "admin", label: "Admin" },
];

interface SeatInfo {
  id: string;
  plan: string;
  messageLeft: number;
  integrationLeft: number;
  /** Top-up credits on the seat: they travel with it. */
  messageTopUp: number;
  integrationTopUp: number;
}


export function InviteForm({ workspaceId, canInviteAdmins }: { workspaceId: string; canInviteAdmins: boolean }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  const { pending, message, run } = useAction<{ path: string }>();
  const emailId = useId();
  // The link stays until the next invitation replaces it (and the list below can copy it again).
  const [created, setCreated] = useState<{ email: string; path: string } | null>(null);
  return (
    <section aria-labelledby="invite-title" className={cardClass("space-y-2 p-4")}>
      <h3 id="invite-title" className="font-semibold">
        Invite someone
      </h3>
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          const invited = email;
          setCreated(null);
          run(inviteAction, { workspaceId, email, role }, { success: () => `Invitation for ${invited} created: send them the link below. It works for 7 days.`, then: (r) => (r.ok ? (setCreated({ email: invited, path: r.data.path }), setEmail("")) : undefined) });
        }}
      >
        <div className="space-y-1">
          <label htmlFor={emailId} className="block text-sm font-medium">
            Email
          </label>
          <input id={emailId} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} className={`${selectClass} w-64`} />
        </div>
        {canInviteAdmins ? (
          <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as "member" | "admin")} options={ROLE_OPTIONS} />
        ) : null}
        <Button type="submit" disabled={pending}>
          {pending ? "Inviting…" : "Invite"}
        </Button>
      </form>
      <ActionStatus status={message} />
      {created ? <InvitationLink email={created.email} path={created.path} /> : null}
    </section>
  );
}

export function MemberControls(props: {
  workspaceId: string;
  member: { userId: string; name: string; role: Role };
  viewerRole: Role;
  viewerId: string;
  seat: SeatInfo | null;
  transferTargets: { userId: string; name: string }[];
  unassignedSeats: SeatInfo[];
  /** The Free plan's daily allowance, for saying what a seat's giver falls back to. */
  freeAllowance: { message: number; integration: number };
  /** The names of the apps this member owns here (whose integrations they pay). */
  memberApps: string[];
}) {
  const { member, seat } = props;
  const [target, setTarget] = useState(props.transferTargets[0]?.userId ?? "");
  const [assign, setAssign] = useState(props.unassignedSeats[0]?.id ?? "");
  const { pending, message, run } = useAction();
  // A role change is chosen, then confirmed: the dropdown alone changes nothing.
  const [chosen, setRole] = useState<"member" | "admin" | null>(null);
  const role = chosen ?? (member.role === "admin" ? "admin" : "member");
  const targetName = props.transferTargets.find((t) => t.userId === target)?.name ?? "";
  const assignSeat = props.unassignedSeats.find((s) => s.id === assign);
  const canRemove = member.role !== "owner" && (props.viewerRole === "owner" || member.role === "member") && member.userId !== props.viewerId;

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        {props.viewerRole === "owner" && member.role !== "owner" ? (
          <>
            <SelectField
              label={`Role of ${member.name}`}
              hideLabel
              value={role}
              disabled={pending}
              onChange={(e) => setRole(e.target.value as "member" | "admin")}
              options={ROLE_OPTIONS}
            />
            {role !== member.role ? (
              <Confirm
                title={role === "admin" ? `Make ${member.name} an admin?` : `Make ${member.name} a member?`}
                confirmLabel={role === "admin" ? "Make admin" : "Make member"}
                onConfirm={() =>
                  run(changeRoleAction, { workspaceId: props.workspaceId, userId: member.userId, role }, {
                    success: (r) => `${member.name} is now ${r.role === "admin" ? "an admin" : "a member"}.`,
                    then: () => setRole(null),
                  })
                }
                trigger={
                  <Button type="button" variant="secondary" className="py-1.5" disabled={pending}>
                    Change role
                  </Button>
                }
              >
                <p>
                  {role === "admin"
                    ? `${member.name} will be able to invite and remove members, give and move paid seats, and see every member's and every app's usage.`
                    : `${member.name} will no longer manage members or seats, and will see only their own usage.`}
                </p>
              </Confirm>
            ) : null}
          </>
        ) : null}

        {seat && props.transferTargets.length > 0 ? (
          <>
            <SelectField
              label={`Transfer ${member.name}'s seat to`}
              hideLabel
              value={target}
              onChange={(e) => setTarget(e.target.value)}
              options={props.transferTargets.map((t) => ({ value: t.userId, label: t.name }))}
            />
            <Confirm
              title={`Give ${member.name}'s ${seat.plan} seat to ${targetName}?`}
              confirmLabel="Transfer seat"
              onConfirm={() => run(transferSeatAction, { seatId: seat.id, toUserId: target, fromUserId: member.userId }, { success: () => `${targetName} now holds the ${seat.plan} seat.` })}
              trigger={
                <Button type="button" variant="secondary" className="py-1.5" disabled={pending}>
                  Transfer seat
                </Button>
              }
            >
              <p>
                The seat keeps its plan and what it has used this cycle. {targetName} will have{" "}
                <strong>
                  {formatCredits(seat.messageLeft)} message and {formatCredits(seat.integrationLeft)} integration credits
                </strong>{" "}
                left this cycle.
                {topUpsText(seat.messageTopUp, seat.integrationTopUp) ? (
                  <>
                    {" "}
                    Its <strong data-testid="travelling-top-ups">{topUpsText(seat.messageTopUp, seat.integrationTopUp)}</strong> travel with it.
                  </>
                ) : null}
              </p>
              <p data-testid="giver-consequence">
                {member.name} drops to the daily Free allowance: {formatCredits(props.freeAllowance.message)} message and {formatCredits(props.freeAllowance.integration)} integration
                credits a day
                {props.memberApps.length > 0 ? (
                  <>
                    , and their {props.memberApps.length === 1 ? "app" : "apps"} <strong>{props.memberApps.join(", ")}</strong> will spend that
                    allowance: at most {formatCredits(props.freeAllowance.integration)} integration credits a day
                  </>
                ) : null}
                .
              </p>
            </Confirm>
          </>
        ) : null}

        {!seat && assignSeat ? (
          <>
            <SelectField
              label={`Seat to assign to ${member.name}`}
              hideLabel
              value={assign}
              onChange={(e) => setAssign(e.target.value)}
              options={props.unassignedSeats.map((s) => ({ value: s.id, label: `${s.plan} seat` }))}
            />
            <Confirm
              title={`Give a ${assignSeat.plan} seat to ${member.name}?`}
              confirmLabel="Assign seat"
              onConfirm={() => run(transferSeatAction, { seatId: assignSeat.id, toUserId: member.userId, fromUserId: "" }, { success: () => `${member.name} now holds the ${assignSeat.plan} seat.` })}
              trigger={
                <Button type="button" variant="secondary" className="py-1.5" disabled={pending}>
                  Assign seat
                </Button>
              }
            >
              <p>
                {member.name} will have {formatCredits(assignSeat.messageLeft)} message and {formatCredits(assignSeat.integrationLeft)} integration credits left this cycle.
              </p>
            </Confirm>
          </>
        ) : null}

        {canRemove ? (
          <Confirm
            title={`Remove ${member.name} from the workspace?`}
            confirmLabel="Remove"
            danger
            onConfirm={() =>
              run(removeMemberAction, { workspaceId: props.workspaceId, userId: member.userId }, {
                success: () => `${member.name} was removed.${props.memberApps.length ? ` ${props.memberApps.join(", ")} now ${props.memberApps.length === 1 ? "belongs" : "belong"} to the workspace owner.` : ""}`,
              })
            }
            trigger={
              <Button type="button" variant="secondary" className="py-1.5" disabled={pending}>
                Remove
              </Button>
            }
          >
            <p>They lose access to this workspace&apos;s apps.{seat ? " Their paid seat stays, unassigned, for you to give to someone else." : ""}</p>
            {props.memberApps.length > 0 ? (
              <p data-testid="apps-handed-over">
                Their {props.memberApps.length === 1 ? "app" : "apps"} <strong>{props.memberApps.join(", ")}</strong> {props.memberApps.length === 1 ? "passes" : "pass"} to the workspace
                owner, who pays {props.memberApps.length === 1 ? "its" : "their"} integrations from then on.
              </p>
            ) : null}
          </Confirm>
        ) : null}
      </div>
      <ActionStatus status={message} />
    </div>
  );
}
