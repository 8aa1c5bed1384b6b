"use client";

import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/use-action";
import { selectClass } from "@/components/ui/field";
import { creditsText } from "@/lib/credits/amounts";
import { setAppCapAction } from "./actions";

/** The owner's cap on one app's integration credits per cycle: a runaway app stops there. */
export function AppCapForm({ appId, appName, cap }: { appId: string; appName: string; cap: number | null }) {
  const { pending, message, onSubmit } = useAction();
  return (
    <form onSubmit={onSubmit(setAppCapAction, { success: (r) => (r.cap === null ? `${appName} has no cap now.` : `${appName} stops at ${creditsText(r.cap, "integration")} a cycle.`) })} className="space-y-1">
      <input type="hidden" name="appId" value={appId} />
      <div className="flex flex-wrap items-end gap-2">
        <label className="space-y-1 text-sm">
          <span className="block font-medium">Cap per cycle (credits)</span>
          <input name="cap" type="number" min={1} step={1} inputMode="numeric" defaultValue={cap === null ? "" : cap / 1000} placeholder="No cap" className={`${selectClass} w-32`} />
        </label>
        <Button type="submit" variant="secondary" className="py-1.5" disabled={pending}>
          Save cap
        </Button>
      </div>
      <ActionStatus status={message} />
    </form>
  );
}
