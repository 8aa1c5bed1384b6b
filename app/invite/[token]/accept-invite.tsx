"use client";

import { useRouter } from "next/navigation";
import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/use-action";
import { acceptInviteAction } from "./actions";

export function AcceptInvite({ token, signedInAs }: { token: string; signedInAs: string }) {
  const router = useRouter();
  const { pending, message, run } = useAction();
  return (
    <div className="space-y-3">
      <p className="text-sm">Signed in as {signedInAs}.</p>
      <Button
        type="button"
        disabled={pending}
        onClick={() =>
          run(
            acceptInviteAction,
            { token },
            {
              success: (r) => {
                router.push("/");
                return `You joined ${r.workspaceName}.`;
              },
            },
          )
        }
      >
        Accept invitation
      </Button>
      <ActionStatus status={message} />
    </div>
  );
}
