import Link from "next/link";
import { Button } from "@/components/ui/button";
import type { OutOfCredits } from "@/lib/apps/editor";
import { formatCredits } from "@/lib/credits/amounts";
import { LocalTime } from "../local-time";
import { AskForCredits } from "./ask-for-credits";
import { BuyTopUpDialog } from "./buy-top-up-dialog";

/**
 * The one place an "out of credits" refusal is rendered: which kind, when it resets, and what
 * this reader can do about it — the owner can buy a top-up right here (or give a seat), anyone
 * else learns whom to ask.
 */
export function OutOfCreditsNotice({
  refusal,
  isOwner,
  ownerName,
  workspaceId,
  before = false,
  onBuying,
}: {
  refusal: OutOfCredits;
  isOwner: boolean;
  ownerName: string;
  workspaceId: string;
  /** Shown before trying (the balance already says it cannot pay), not after a refusal. */
  before?: boolean;
  /** Told when the top-up dialog opens and closes: a purchase makes this notice moot, but it
   * must stay on screen until its dialog (with the purchase's confirmation) is closed. */
  onBuying?: (open: boolean) => void;
}) {
  const whose = refusal.pool ? "The workspace's shared pool has" : refusal.payer === "you" ? "You have" : "The app's owner has";
  const capped = refusal.refusal === "app_cap_reached";
  if (refusal.refusal === "member_limit") {
    return (
      <div role="alert" className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
        <p className="font-semibold">
          Your own limit in this workspace has {formatCredits(refusal.remaining)} message credits left; this needs {formatCredits(refusal.needed)}.
        </p>
        <p>
          {before ? "" : "Nothing was charged. "}The shared pool may still have credits, but your limit is used up. It resets <LocalTime iso={refusal.resetsAt} />.
        </p>
        <p>Ask {ownerName}, the workspace owner, or an admin to raise your limit on Settings → Workspace.</p>
        {isOwner ? null : <AskForCredits workspaceId={workspaceId} kind="message" ownerName={ownerName} />}
      </div>
    );
  }
  return (
    <div role="alert" className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
      <p className="font-semibold">
        {capped
          ? `${refusal.app?.name ?? "This app"} reached the integration cap set for it this cycle.`
          : `${whose} ${formatCredits(refusal.remaining)} ${refusal.kind} credits available; this needs ${formatCredits(refusal.needed)}.`}
      </p>
      <p>
        {before ? "" : "Nothing was charged. "}
        {capped ? "The cap resets" : "Credits reset"} <LocalTime iso={refusal.resetsAt} />.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        {capped ? (
          refusal.payer === "you" || isOwner ? (
            <Link href="/" className="font-medium underline">
              Raise the app&apos;s cap on the apps page
            </Link>
          ) : (
            <span>Ask {refusal.app ? `${refusal.app.ownerName}, the app's owner,` : "the app's owner"} to raise its cap.</span>
          )
        ) : isOwner && refusal.onSeat ? (
          <>
            <BuyTopUpDialog
              workspaceId={workspaceId}
              kind={refusal.kind === "message" ? "message" : "integration"}
              onOpenChange={onBuying}
              trigger={
                <Button type="button" variant="secondary" className="py-1">
                  Buy a top-up
                </Button>
              }
            />
            <Link href="/settings/billing" className="font-medium underline">
              or change plans
            </Link>
          </>
        ) : isOwner ? (
          <Link href="/settings/billing" className="font-medium underline">
            Give yourself a paid seat for more credits
          </Link>
        ) : refusal.onSeat || refusal.payer !== "you" ? (
          <span>
            Ask {ownerName}, the workspace owner, for a top-up or a bigger plan{refusal.payer === "you" ? "" : " for the app's owner"}, or wait for the reset.
          </span>
        ) : (
          <span>Ask {ownerName}, the workspace owner, for a paid seat, or wait for the reset.</span>
        )}
      </div>
      {!isOwner && !capped && refusal.payer === "you" ? <AskForCredits workspaceId={workspaceId} kind={refusal.kind === "message" ? "message" : "integration"} ownerName={ownerName} /> : null}
    </div>
  );
}
