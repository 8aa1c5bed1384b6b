/** A decision driven for the person who waits on it, and what they read when it did not apply. */
import type { Db } from "@/db/client";
import { IN_FLIGHT_STATUSES } from "@/db/schema";
import { getDecision } from "./queries";
import { type DecisionContext, DecisionPendingError, driveDecision } from "./state-machine";
import type { PlanChange } from "@/lib/credits/scheduled-changes";
import { conflict } from "@/lib/errors";

/**
 * What the person who decided reads when their decision did not apply. Applied decisions come
 * back as they are.
 */
export function settledOrExplain(change: PlanChange): PlanChange {
  if (change.status === "failed") throw conflict(`${change.failureReason ?? "The payment was declined."} Nothing was changed.`);
  if (change.status === "voided") {
    const money = change.refundRef && change.refundRef !== "none" ? "The payment was refunded." : "Nothing was charged.";
    throw conflict(`This could not be applied: ${change.failureReason ?? "it was cancelled"}. ${money}`);
  }
  if (change.status === "paying" && change.needsActionAt) throw conflict("Your bank asks you to confirm this payment: choose Confirm payment under Billing → Payment history (we emailed you the link too). It applies as soon as you confirm.");
  if (change.status !== "applied") throw conflict("Your payment is still being confirmed. It completes on its own; this page updates when it does.");
  return change;
}

/** Drives a decision now, for the person waiting on it; a slow provider leaves it to the queue. */
export async function driveForRequest(db: Db, change: PlanChange, ctx: DecisionContext): Promise<PlanChange> {
  if (!(IN_FLIGHT_STATUSES as readonly string[]).includes(change.status) && !(change.status === "voided" && !change.refundRef)) return settledOrExplain(change);
  try {
    return settledOrExplain(await driveDecision(db, change.id, ctx));
  } catch (err) {
    if (err instanceof DecisionPendingError) return settledOrExplain(await getDecision(db, change.id));
    throw err;
  }
}
