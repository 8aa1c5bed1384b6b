"use client";

import { useRouter } from "next/navigation";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useActionStatus } from "@/components/use-action";
import { acceptInviteAction } from "./actions";

export function AcceptInvite({ token, signedInAs }: { token: string; signedInAs: string }) {
  const router = useRouter();
  const { pending, status, run } = useActionStatus();
  return (
    <div className="space-y-3">
      <p className="text-sm">Signed in as {signedInAs}.</p>
      <Button
        type="button"
        disabled={pending}
        onClick={() =>
          run(
            () => acceptInviteAction(null, { token }),
            (r) => {
              router.push("/");
              return `You joined ${r.workspaceName}.`;
            },
          )
        }
      >
        Accept invitation
      </Button>
      {status ? <Alert tone={status.tone}>{status.text}</Alert> : null}
    </div>
  );
}
