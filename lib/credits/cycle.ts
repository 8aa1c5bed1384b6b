import type { Cadence } from "./plans";

export interface Cycle {
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The n-th monthly boundary after `anchor` (n may be negative): the anchor's day of month,
 * clamped to the month's length, at the anchor's UTC time of day. Each boundary is computed
 * from the anchor, never from the previous boundary, so Jan 31 -> Feb 28 -> Mar 31.
 */
export function monthlyBoundary(anchor: Date, n: number): Date {
  const totalMonths = anchor.getUTCFullYear() * 12 + anchor.getUTCMonth() + n;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const day = Math.min(anchor.getUTCDate(), daysInMonth(year, month));
  return new Date(
    Date.UTC(
      year,
      month,
      day,
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  );
}

/**
 * The cycle that contains `at`. Pure: no clock, no I/O. An instant exactly on a boundary
 * belongs to the cycle that starts there. Instants before the anchor get the cycles that
 * would have preceded it, so the function is total.
 */
export function cycleAt(anchor: Date, cadence: Cadence, at: Date): Cycle {
  const a = anchor.getTime();
  const t = at.getTime();
  if (Number.isNaN(a) || Number.isNaN(t)) throw new RangeError("cycleAt needs valid dates");
  if (cadence === "daily") {
    const n = Math.floor((t - a) / DAY_MS);
    return { start: new Date(a + n * DAY_MS), end: new Date(a + (n + 1) * DAY_MS) };
  }
  // Estimate the month index, then correct: clamping moves boundaries by at most 3 days.
  let n =
    (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  while (monthlyBoundary(anchor, n).getTime() > t) n--;
  while (monthlyBoundary(anchor, n + 1).getTime() <= t) n++;
  return { start: monthlyBoundary(anchor, n), end: monthlyBoundary(anchor, n + 1) };
}
