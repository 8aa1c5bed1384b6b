/**
 * Every amount of credit in this codebase is an integer number of millicredits
 * (thousandths of a credit). Floats never hold money-like values: 0.1 + 0.2 is not 0.3.
 */
export type Millicredits = number;

export const MILLI = 1000;

/** Whole credits (as in the catalog: 250, 10_000) to millicredits. */
export function credits(n: number): Millicredits {
  if (!Number.isInteger(n)) throw new Error(`credits() takes whole credits, got ${n}`);
  return n * MILLI;
}

/**
 * Millicredits to a JSON number of credits with at most three decimals.
 * Integer division keeps it exact: 1234500 -> 1234.5.
 */
export function toCreditNumber(mc: Millicredits): number {
  const sign = mc < 0 ? "-" : "";
  const abs = Math.abs(mc);
  const whole = Math.floor(abs / MILLI);
  const frac = String(abs % MILLI).padStart(3, "0").replace(/0+$/, "");
  return Number(`${sign}${whole}${frac ? "." + frac : ""}`);
}

/** Display text, rounded to one decimal, with thousands separators: 1234567 -> "1,234.6". */
export function formatCredits(mc: Millicredits): string {
  // Round half up on the integer value, in tenths of a credit (100 millicredits).
  const tenths = Math.round(mc / 100);
  const whole = Math.trunc(tenths / 10);
  const dec = Math.abs(tenths % 10);
  const sign = tenths < 0 && whole === 0 ? "-" : "";
  const wholeText = whole.toLocaleString("en-US");
  return dec === 0 ? `${sign}${wholeText}` : `${sign}${wholeText}.${dec}`;
}

/** "1 credit", "0.3 credits", "2,000 integration credits": the amount with its noun, in the right number. */
export function creditsText(mc: Millicredits, kind?: "message" | "integration"): string {
  return `${formatCredits(mc)} ${kind ? `${kind} ` : ""}credit${formatCredits(mc) === "1" ? "" : "s"}`;
}
