"use client";

import { LocalTime } from "../local-time";

const DAY = 86_400_000;

/** "5 days", "1 day", "a few hours": how long before the reset it runs out. */
function ahead(ms: number) {
  const days = Math.floor(ms / DAY);
  return days >= 2 ? `${days} days` : days === 1 ? "1 day" : "a few hours";
}

/**
 * At the recent pace: when a kind of credits runs out before its reset, or that it lasts. Says
 * nothing when there was no use in the window (no pace, no forecast).
 */
export function ForecastLine({
  forecast,
  cycleEnd,
  available,
  who = "you",
  testId,
  className = "text-sm text-zinc-600 dark:text-zinc-400",
}: {
  forecast: { runsOutAt: string | null; perDay: number } | undefined;
  cycleEnd: string;
  /** What can be spent now: nothing left is said elsewhere (the out-of-credits notice), not here. */
  available: number;
  /** "you", or the member's name (owners' tables). */
  who?: string;
  testId?: string;
  className?: string;
}) {
  if (!forecast || forecast.perDay <= 0 || available <= 0) return null;
  if (!forecast.runsOutAt) {
    return (
      <p className={className} data-testid={testId}>
        At this pace, enough until the reset.
      </p>
    );
  }
  const before = new Date(cycleEnd).getTime() - new Date(forecast.runsOutAt).getTime();
  return (
    <p className={className} data-testid={testId}>
      At this pace {who} {who === "you" ? "run" : "runs"} out on <LocalTime iso={forecast.runsOutAt} withTime={false} />, {ahead(before)} before the reset.
    </p>
  );
}
