"use client";

import { ActionStatus } from "@/components/action-status";
import { LocalTime } from "@/components/local-time";
import { Button } from "@/components/ui/button";
import { cardClass } from "@/components/ui/surface";
import { useAction } from "@/components/use-action";
import { useState } from "react";
import { invitationLinkAction, revokeInvitationAction } from "./actions";
import { InvitationLink } from "./invitation-link";

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
  // The invitation whose link is shown, copied as it arrives (the box stays to copy it again).
  const [shown, setShown] = useState<{ id: string; path: string; renewed: boolean } | null>(null);
  const showLink = (i: Invitation) =>
    run(invitationLinkAction, { invitationId: i.id }, {
      then: async (r) => {
        if (!r.ok) return;
        setShown({ id: i.id, ...r.data });
        await navigator.clipboard?.writeText(`${window.location.origin}${r.data.path}`).catch(() => undefined);
      },
    });
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
              <span className="flex flex-wrap gap-2">
              <Button type="button" variant="secondary" className="py-1" disabled={pending} onClick={() => void showLink(i)}>
                Copy link<span className="sr-only"> for {i.email}</span>
              </Button>
              <Button
                type="button"
                variant="secondary"
                className="py-1"
                disabled={pending}
                onClick={() => run(revokeInvitationAction, { invitationId: i.id }, { success: () => `The invitation for ${i.email} was revoked; its link no longer works.` })}
              >
                Revoke<span className="sr-only"> the invitation for {i.email}</span>
              </Button>
              </span>
              {shown?.id === i.id ? (
                <div className="basis-full">
                  <InvitationLink email={i.email} path={shown.path} note={shown.renewed ? "This is a new link: the one sent before this one no longer works." : undefined} />
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <ActionStatus status={message} />
    </section>
  );
}
