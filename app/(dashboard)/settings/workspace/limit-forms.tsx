"use client";

import { useState } from "react";
import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { selectClass } from "@/components/ui/field";
import { useAction } from "@/components/use-action";
import { setDefaultLimitAction, setMemberLimitAction } from "./actions";

const asCredits = (milli: number | null) => (milli === null ? "" : String(milli / 1000));

/** The workspace's default monthly message-credit limit for members of its shared pool. */
export function DefaultLimitForm({ workspaceId, limit, poolAllowance }: { workspaceId: string; limit: number | null; poolAllowance: number }) {
  const { pending, message, onSubmit } = useAction();
  return (
    <form
      onSubmit={onSubmit(setDefaultLimitAction, { success: (r) => (!r.changed ? "That is the default already." : r.limit === null ? "Members have no default limit now." : `Members without a limit of their own now have ${r.limit / 1000} message credit${r.limit === 1000 ? "" : "s"} a month.`) })}
      className="space-y-1"
    >
      <input type="hidden" name="workspaceId" value={workspaceId} />
      <div className="flex flex-wrap items-end gap-2">
        <label className="space-y-1 text-sm">
          <span className="block font-medium">Default limit per member (message credits a month)</span>
          <input name="limit" type="number" min={0} max={poolAllowance / 1000} step={1} inputMode="numeric" defaultValue={asCredits(limit)} placeholder="No limit" className={`${selectClass} w-36`} />
        </label>
        <Button type="submit" variant="secondary" className="py-1.5" disabled={pending}>
          Save default
        </Button>
      </div>
      <ActionStatus status={message} />
    </form>
  );
}

/** One member's limit: the default, none, or their own. */
export function MemberLimitForm({ workspaceId, userId, name, source, limit, poolAllowance }: { workspaceId: string; userId: string; name: string; source: "default" | "member" | "none"; limit: number | null; poolAllowance: number }) {
  const { pending, message, onSubmit } = useAction();
  const [mode, setMode] = useState<"default" | "none" | "own">(source === "member" ? (limit === null ? "none" : "own") : "default");
  return (
    <form onSubmit={onSubmit(setMemberLimitAction, { success: (r) => (r.changed ? `${name}'s limit is saved.` : `${name}'s limit was already that.`) })} className="space-y-1">
      <input type="hidden" name="workspaceId" value={workspaceId} />
      <input type="hidden" name="userId" value={userId} />
      <div className="flex flex-nowrap items-center justify-end gap-2">
        <label className="sr-only" htmlFor={`mode-${userId}`}>
          {name}&apos;s limit
        </label>
        <select id={`mode-${userId}`} name="mode" value={mode} onChange={(e) => setMode(e.target.value as typeof mode)} className={`${selectClass} w-40`}>
          <option value="default">Workspace default</option>
          <option value="own">Own limit</option>
          <option value="none">No limit</option>
        </select>
        {mode === "own" ? (
          <label className="text-sm">
            <span className="sr-only">{name}&apos;s limit in message credits a month</span>
            <input name="limit" type="number" min={0} max={poolAllowance / 1000} step={1} inputMode="numeric" defaultValue={asCredits(limit)} required className={`${selectClass} w-20`} />
          </label>
        ) : null}
        <Button type="submit" variant="secondary" className="py-1.5" disabled={pending} aria-label={`Save ${name}'s limit`}>
          Save
        </Button>
      </div>
      <ActionStatus status={message} />
    </form>
  );
}
