import Link from "next/link";
import { formatCredits } from "@/lib/credits/amounts";
import type { OutOfCredits } from "@/lib/apps/editor";
import { LocalTime } from "../local-time";

/** The one place an "out of credits" refusal is rendered: which kind, when it resets, what to do. */
export function OutOfCreditsNotice({ refusal, isOwner, ownerName }: { refusal: OutOfCredits; isOwner: boolean; ownerName: string }) {
  const whose = refusal.payer === "you" ? "You have" : "The app's owner has";
  return (
    <div role="alert" className="space-y-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
      <p className="font-semibold">
        {whose} {formatCredits(refusal.remaining)} {refusal.kind} credits left; this needs {formatCredits(refusal.needed)}.
      </p>
      <p>
        Nothing was charged. Credits reset <LocalTime iso={refusal.resetsAt} />.{" "}
        {isOwner && refusal.payer === "you" ? (
          <Link href="/settings/billing" className="font-medium underline">
            Upgrade your plan
          </Link>
        ) : (
          <>Ask {ownerName}, the workspace owner, for a bigger plan.</>
        )}
      </p>
    </div>
  );
}
