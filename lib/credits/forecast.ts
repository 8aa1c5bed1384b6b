import type { Millicredits } from "./amounts";

/**
 * "Will I last until the reset?": when, at the recent pace, what a person can spend of one kind
 * runs out — or null when it lasts until the cycle resets. Pure: a function of the recent usage,
 * what is available now (top-ups counted), the cycle's end and now; no clock, no I/O.
 */

export const FORECAST_WINDOW_DAYS = 7;
const DAY_MS = 86_400_000;

export interface Forecast {
  /** When it runs out at this pace; null: enough until the reset (or no recent use). */
  runsOutAt: Date | null;
  /** What the forecast stands on: the window it looked at and the pace it found. */
  basis: { windowDays: number; perDay: Millicredits };
}

/**
 * `history`: credits charged per hour (or any buckets, each named by its start), of this kind, for
 * this person; buckets outside the last `windowDays` before `now` are ignored. The pace is what the
 * window charged spread over the whole window (a quiet day counts as quiet).
 */
export function forecastRunOut(input: {
  history: { hour: Date; charged: Millicredits }[];
  available: Millicredits;
  cycleEnd: Date;
  now: Date;
  windowDays?: number;
}): Forecast {
  const windowDays = input.windowDays ?? FORECAST_WINDOW_DAYS;
  const windowMs = windowDays * DAY_MS;
  const from = input.now.getTime() - windowMs;
  const spent = input.history.reduce((sum, h) => (h.hour.getTime() >= from && h.hour.getTime() < input.now.getTime() && h.charged > 0 ? sum + h.charged : sum), 0);
  const basis = { windowDays, perDay: Math.round(spent / windowDays) };
  if (spent <= 0 || input.now >= input.cycleEnd) return { runsOutAt: null, basis };
  if (input.available <= 0) return { runsOutAt: new Date(input.now), basis };
  // available ÷ (spent per ms), in integers: exact and monotonic in both.
  const msLeft = Number((BigInt(input.available) * BigInt(windowMs)) / BigInt(spent));
  const at = input.now.getTime() + msLeft;
  return { runsOutAt: at < input.cycleEnd.getTime() ? new Date(at) : null, basis };
}
