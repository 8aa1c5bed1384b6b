import { formatCredits } from "@/lib/credits/amounts";
import { ForecastLine } from "./credits/forecast-line";
import { LocalTime } from "./local-time";

/** Used and remaining credits of one kind, as numbers and as a meter. */
export function CreditMeter({
  label,
  used,
  allowance,
  remaining,
  topUp,
  forecast,
  compact = false,
}: {
  label: string;
  used: number;
  allowance: number;
  remaining: number;
  /** Top-up credits on top of the allowance, and when the first of them expires. */
  topUp?: { remaining: number; expiresAt: string | null; available: number };
  /** At the recent pace: when it runs out before the reset (see ForecastLine). */
  forecast?: { runsOutAt: string | null; perDay: number; cycleEnd: string; testId?: string };
  compact?: boolean;
}) {
  const pct = allowance > 0 ? Math.min(100, (used / allowance) * 100) : 100;
  const tone = pct >= 100 ? "bg-red-600 dark:bg-red-500" : pct >= 80 ? "bg-amber-500" : "bg-indigo-600 dark:bg-indigo-400";
  return (
    <div className="space-y-1.5">
      <div className="flex items-baseline justify-between gap-2 text-sm">
        <span className="font-medium">{label}</span>
        <span className="tabular-nums text-zinc-600 dark:text-zinc-400">
          {formatCredits(used)} of {formatCredits(allowance)} used
        </span>
      </div>
      <div
        role="meter"
        aria-label={`${label} used`}
        aria-valuemin={0}
        aria-valuemax={allowance / 1000}
        aria-valuenow={Math.min(used, allowance) / 1000}
        aria-valuetext={`${formatCredits(used)} of ${formatCredits(allowance)} used, ${formatCredits(remaining)} left`}
        className="h-2 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div className={`h-full rounded-full ${tone}`} style={{ width: `${pct}%` }} />
      </div>
      {compact ? null : (
        <p className="text-sm">
          <span className="text-2xl font-semibold tabular-nums">{formatCredits(remaining)}</span>{" "}
          <span className="text-zinc-600 dark:text-zinc-400">left this cycle</span>
          {topUp && topUp.remaining > 0 ? (
            <span className="block text-zinc-600 dark:text-zinc-400">
              + {formatCredits(topUp.remaining)} top-up credits
              {topUp.expiresAt ? (
                <>
                  {" "}(first expire <LocalTime iso={topUp.expiresAt} withTime={false} />)
                </>
              ) : null}{" "}
              · <strong className="text-zinc-900 dark:text-zinc-100">{formatCredits(topUp.available)}</strong> available in all
            </span>
          ) : null}
        </p>
      )}
      {forecast ? <ForecastLine forecast={forecast} cycleEnd={forecast.cycleEnd} available={topUp?.available ?? remaining} testId={forecast.testId} /> : null}
    </div>
  );
}
