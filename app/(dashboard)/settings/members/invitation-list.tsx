"use client";

import { ActionStatus } from "@/components/action-status";
import { LocalTime } from "@/components/local-time";
import { Button } from "@/components/ui/button";
import { cardClass } from "@/components/ui/surface";
import { useAction } from "@/components/use-action";
import { revokeInvitationAction } from "./actions";

interface Invitation {
  id: string;
  email: string;
  role: "owner" | "admin" | "member";
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
}

/** Open invitations, each with when its link stops working and a way to stop it now. */
export function InvitationList({ invitations }: { invitations: Invitation[] }) {
  const { pending, message, run } = useAction();
  return (
    <section aria-labelledby="invitations-title" className={cardClass("space-y-2 p-4")}>
      <h3 id="invitations-title" className="font-semibold">
        Open invitations
      </h3>
      {invitations.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">None. Links you create above appear here until they are used, revoked or expire.</p>
      ) : (
        <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
          {invitations.map((i) => (
            <li key={i.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span>
                <span className="font-medium">{i.email}</span> as {i.role === "admin" ? "an admin" : "a member"}
                <span className="block text-xs text-zinc-600 dark:text-zinc-400">
                  by {i.invitedBy}; the link works until <LocalTime iso={i.expiresAt} />
                </span>
              </span>
              <Button
                type="button"
                variant="secondary"
                className="py-1"
                disabled={pending}
                onClick={() => run(revokeInvitationAction, { invitationId: i.id }, { success: () => `The invitation for ${i.email} was revoked; its link no longer works.` })}
              >
                Revoke<span className="sr-only"> the invitation for {i.email}</span>
              </Button>
            </li>
          ))}
        </ul>
      )}
      <ActionStatus status={message} />
    </section>
  );
}
