"use client";

import { useRouter } from "next/navigation";
import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/use-action";
import { switchWorkspaceAction } from "@/lib/actions/workspace";
import { acceptInviteAction } from "./actions";

/** Accepting joins the workspace; opening it is a second, separate choice. */
export function AcceptInvite({ token, signedInAs }: { token: string; signedInAs: string }) {
  const router = useRouter();
  const { pending, message, result, run } = useAction<{ workspaceId: string; workspaceName?: string }>();
  const joined = result?.ok ? result.data : null;
  return (
    <div className="space-y-3">
      <p className="text-sm">Signed in as {signedInAs}.</p>
      {joined ? (
        <Button
          type="button"
          disabled={pending}
          onClick={() => run(switchWorkspaceAction, { workspaceId: joined.workspaceId }, { then: (r) => (r.ok ? router.push("/") : undefined) })}
        >
          Open {joined.workspaceName}
        </Button>
      ) : (
        <Button type="button" disabled={pending} onClick={() => run(acceptInviteAction, { token }, { success: (r) => `You joined ${r.workspaceName}.` })}>
          Accept invitation
        </Button>
      )}
      <ActionStatus status={message} />
    </div>
  );
}
