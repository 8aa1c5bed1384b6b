"use client";

import * as Popover from "@radix-ui/react-popover";
import Link from "next/link";
import { formatCredits } from "@/lib/credits/amounts";
import { LogoMark } from "../logo";
import { LocalTime } from "../local-time";
import { focusRing } from "../ui/button";
import { ForecastLine } from "./forecast-line";
import { useBalance, type BalanceJson } from "./queries";
import { floatingClass } from "@/components/ui/surface";

const milli = (credits: number) => Math.round(credits * 1000);

function Line({ label, b }: { label: string; b: BalanceJson }) {
  const id = label.split(" ")[0]!.toLowerCase();
  return (
    <div className="flex items-baseline justify-between gap-4">
      <dt className="text-sm">{label}</dt>
      <dd className="text-right">
        <span className="text-lg font-semibold tabular-nums" data-testid={`${id}-remaining`}>
          {formatCredits(milli(b.remaining))}
        </span>
        <span className="text-sm text-zinc-600 dark:text-zinc-400"> of {formatCredits(milli(b.allowance))} left</span>
        {b.topUp.remaining > 0 ? (
          <span className="block text-xs text-zinc-600 dark:text-zinc-400">
            + <span data-testid={`${id}-top-up`}>{formatCredits(milli(b.topUp.remaining))}</span> top-up ·{" "}
            <span data-testid={`${id}-available`}>{formatCredits(milli(b.available))}</span> available
          </span>
        ) : null}
        <ForecastLine
          forecast={b.forecast ? { runsOutAt: b.forecast.runsOutAt, perDay: b.forecast.basis.perDay } : undefined}
          cycleEnd={b.cycleEnd}
          available={b.available}
          testId={`${id}-forecast`}
          className="max-w-56 text-xs text-zinc-600 dark:text-zinc-400"
        />
      </dd>
    </div>
  );
}

/**
 * The product logo at the top left of the editor: opens the remaining credits of both kinds
 * and when they reset. Kept fresh by query invalidation after every action.
 */
export function CreditsPopover({
  workspaceId,
  isOwner,
  ownerName,
  appOwnerName,
}: {
  workspaceId: string;
  isOwner: boolean;
  ownerName: string;
  /** Set when someone else owns the app: their integration credits pay for its integrations. */
  appOwnerName?: string;
}) {
  const { data, isError } = useBalance(workspaceId);
  return (
    <Popover.Root>
      <Popover.Trigger aria-label="Your credits" className={`flex items-center gap-2 rounded-md p-1 font-semibold hover:bg-zinc-100 dark:hover:bg-zinc-800 ${focusRing}`}>
        <LogoMark />
        <span className="hidden sm:inline">Credits</span>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content
          align="start"
          sideOffset={8}
          className={floatingClass("w-80 max-w-[calc(100vw-1rem)] space-y-3 p-4 rounded-xl")}
        >
          <h2 className="font-semibold">{data?.accountType === "pool" ? "Shared pool" : "Your credits"}</h2>
          {isError ? (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              Your balance could not be loaded. Close this and try again.
            </p>
          ) : !data ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>
          ) : (
            <>
              <dl className="space-y-2" aria-live="polite">
                <Line label="Message credits" b={data.message} />
                <Line label="Integration credits" b={data.integration} />
                {data.limit ? (
                  <div className="flex items-baseline justify-between gap-4 border-t border-zinc-200 pt-2 dark:border-zinc-800">
                    <dt className="text-sm">Your message limit{data.limit.isDefault ? " (workspace default)" : ""}</dt>
                    <dd className="text-right">
                      <span className="text-lg font-semibold tabular-nums" data-testid="limit-remaining">
                        {formatCredits(milli(data.limit.remaining))}
                      </span>
                      <span className="text-sm text-zinc-600 dark:text-zinc-400"> of {formatCredits(milli(data.limit.limit))} left</span>
                    </dd>
                  </div>
                ) : null}
              </dl>
              <p className="text-sm text-zinc-600 dark:text-zinc-400">
                Resets <LocalTime iso={data.message.cycleEnd} />. Unused credits don&apos;t carry over.
              </p>
              {appOwnerName ? (
                <p className="text-sm text-zinc-600 dark:text-zinc-400">Integrations in this app use {appOwnerName}&apos;s integration credits.</p>
              ) : null}
            </>
          )}
          <div className="border-t border-zinc-200 pt-3 text-sm dark:border-zinc-800">
            {isOwner ? (
              <Link href="/settings/billing#top-ups" className="font-medium text-indigo-700 underline dark:text-indigo-300">
                Get more credits: top-ups and plans
              </Link>
            ) : (
              <p data-testid="ask-for-more">
                {/* Top-ups need a paid seat: someone on the free allowance asks for a seat. */}
                Need more? Ask {ownerName}, the workspace owner,{" "}
                {data?.limit && data.limit.remaining < Math.min(data.message.available, 1) ? "to raise your limit" : data?.accountType === "free" ? "for a paid seat" : "for a top-up or a bigger plan"}.
              </p>
            )}
          </div>
          <Popover.Arrow className="fill-white dark:fill-zinc-900" />
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
