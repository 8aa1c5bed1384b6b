"use client";

import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/use-action";
import { askForCreditsAction } from "@/lib/actions/requests";
import { LocalTime } from "../local-time";
import { useBalance, useRefreshCredits } from "./queries";

/**
 * One button for a member who ran out: ask the owner for more. Once asked, it says so (and when),
 * and then what the owner answered; a new request can be made once the last one is answered.
 */
export function AskForCredits({ workspaceId, kind, ownerName }: { workspaceId: string; kind: "message" | "integration"; ownerName: string }) {
  const { data } = useBalance(workspaceId);
  const refresh = useRefreshCredits();
  const { pending, message, run } = useAction();
  const request = data?.request ?? null;
  if (request?.status === "open") {
    return (
      <p data-testid="credit-request" role="status">
        You asked {ownerName} for more {request.kind} credits <LocalTime iso={request.createdAt} />; you will be told when they answer.
      </p>
    );
  }
  return (
    <div className="space-y-1">
      {request ? (
        <p data-testid="credit-request">
          {ownerName} {request.status === "done" ? "answered" : "declined"} your last request (<LocalTime iso={request.createdAt} />).
        </p>
      ) : null}
      <Button type="button" variant="secondary" className="py-1" disabled={pending} onClick={() => run(askForCreditsAction, { workspaceId, kind }, { success: () => `${ownerName} has been asked.`, then: () => void refresh() })}>
        Ask {ownerName} for more
      </Button>
      <ActionStatus status={message} />
    </div>
  );
}
