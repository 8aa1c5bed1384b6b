"use client";

import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { Confirm } from "@/components/ui/confirm";
import { useAction } from "@/components/use-action";
import { revokeKeyAction } from "./actions";

/** Revokes one key after saying what stops working. */
export function RevokeKeyButton({ keyId, prefix, appName }: { keyId: string; prefix: string; appName: string }) {
  const { pending, message, run } = useAction();
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Confirm
        title={`Revoke the key ${prefix}…?`}
        confirmLabel="Revoke key"
        danger
        onConfirm={() => run(revokeKeyAction, { keyId }, { success: (r) => `Key ${r.prefix}… revoked: requests with it are refused from now on.` })}
        trigger={
          <Button type="button" variant="secondary" className="py-1" disabled={pending}>
            Revoke<span className="sr-only"> key {prefix}</span>
          </Button>
        }
      >
        <p>
          {appName}&apos;s requests that use this key are refused at once (401). Create a new key first if the app still needs
          one.
        </p>
      </Confirm>
      <ActionStatus status={message} />
    </div>
  );
}
