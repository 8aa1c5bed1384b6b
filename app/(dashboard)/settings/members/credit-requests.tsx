"use client";

import { ActionStatus } from "@/components/action-status";
import { LocalTime } from "@/components/local-time";
import { Button } from "@/components/ui/button";
import { cardClass } from "@/components/ui/surface";
import { useAction } from "@/components/use-action";
import { answerRequestAction } from "@/lib/actions/requests";

type Request = { id: string; name: string; email: string; kind: string; reason: "out_of_credits" | "member_limit"; createdAt: string };

/** Members' open requests for more credits (owners and admins): answer each once they have been helped, or decline. */
export function CreditRequests({ requests }: { requests: Request[] }) {
  return (
    <section aria-labelledby="requests-title" className={cardClass("space-y-3 p-5")}>
      <h3 id="requests-title" className="text-lg font-semibold">
        Requests for credits
      </h3>
      <ul className="space-y-3">
        {requests.map((r) => (
          <RequestRow key={r.id} request={r} />
        ))}
      </ul>
    </section>
  );
}

function RequestRow({ request: r }: { request: Request }) {
  const { pending, message, run } = useAction();
  const answered = message?.tone === "info";
  return (
    <li className="space-y-1 border-t border-zinc-200 pt-3 first:border-0 first:pt-0 dark:border-zinc-800" data-testid={`request-${r.email}`}>
      <p className="text-sm">
        <span className="font-medium">{r.name}</span> asked for more {r.kind} credits <LocalTime iso={r.createdAt} />
        {r.reason === "member_limit" ? ": their limit in the shared pool is used up (raise it on Settings → Workspace)." : ": give them a seat, or a top-up on Billing."}
      </p>
      {answered ? null : (
        <div className="flex flex-wrap gap-2">
          <Button type="button" className="py-1" disabled={pending} onClick={() => run(answerRequestAction, { requestId: r.id, answer: "done" }, { success: () => `${r.name} is told you answered.` })}>
            Mark as done
          </Button>
          <Button type="button" variant="secondary" className="py-1" disabled={pending} onClick={() => run(answerRequestAction, { requestId: r.id, answer: "declined" }, { success: () => `${r.name} is told you declined.` })}>
            Decline
          </Button>
        </div>
      )}
      <ActionStatus status={message} />
    </li>
  );
}
