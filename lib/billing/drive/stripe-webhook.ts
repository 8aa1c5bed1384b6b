/** Stripe's webhook: signed events, each handled once, nudging the decision they concern. */
import { eq } from "drizzle-orm";
import Stripe from "stripe";
import type { Db } from "@/db/client";
import { providerEvents } from "@/db/schema";
import { decisionIdOfKey, getDecision } from "@/lib/billing/decisions/queries";
import { DecisionPendingError, refundIfChargedAfterFailing } from "@/lib/billing/decisions/state-machine";
import type { PaymentProvider } from "@/lib/billing/payments/provider";
import { saveCardFromSession, stripeClient, stripeProvider } from "@/lib/billing/payments/stripe";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { runDecision } from "./run-decision";

/**
 * Stripe's webhook: the signature is checked on the raw body (400 and nothing done when it does
 * not match), then the event is handled once by its id (a replay or a duplicate answers 200 and
 * changes nothing). An event about a payment is only a nudge: the decision asks Stripe where the
 * payment stands now and moves from there, so events arriving out of order cannot move it back.
 */
/** The largest event body read (Stripe's events are far smaller); larger ones get 413 unread. */
export const MAX_EVENT_BYTES = 512 * 1024;

/** How far ahead of our clock an event's `created` may be (clocks drift a little, never minutes). */
const FUTURE_SKEW_S = 300;

export async function handleStripeWebhook(
  db: Db,
  rawBody: string,
  signature: string | null,
  opts: { stripe?: Stripe; secret?: string; provider?: PaymentProvider } = {},
): Promise<{ status: number; message: string }> {
  const config = env();
  const secret = opts.secret ?? (config.PAYMENTS === "stripe" ? config.STRIPE_WEBHOOK_SECRET : undefined);
  if (!secret) return { status: 404, message: "Stripe payments are not configured here." };
  const stripe = opts.stripe ?? stripeClient();
  const provider = opts.provider ?? stripeProvider(stripe);
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(rawBody, signature ?? "", secret);
  } catch {
    return { status: 400, message: "The signature does not match this endpoint's secret." };
  }
  // A signed event claiming to come from the future is not one Stripe sent now: refused, unrecorded.
  if (event.created > Date.now() / 1000 + FUTURE_SKEW_S) return { status: 400, message: "The event is dated in the future." };
  await db.insert(providerEvents).values({ id: event.id, type: event.type }).onConflictDoNothing();
  const [seen] = await db.select().from(providerEvents).where(eq(providerEvents.id, event.id));
  if (seen?.handledAt) return { status: 200, message: "Already handled." };

  if (event.type === "checkout.session.completed" && event.data.object.mode === "setup") {
    await saveCardFromSession(db, event.data.object.id, null, stripe);
  } else if (event.type.startsWith("payment_intent.")) {
    const pi = event.data.object as Stripe.PaymentIntent;
    await nudgeDecision(db, pi.metadata?.decision_key, provider);
  }
  await db.update(providerEvents).set({ handledAt: new Date() }).where(eq(providerEvents.id, event.id));
  return { status: 200, message: "Handled." };
}

/** Moves the decision a payment belongs to as far as it can go now (see driveDecision). */
export async function nudgeDecision(db: Db, key: string | undefined, provider: PaymentProvider) {
  const id = decisionIdOfKey(key);
  if (!id) return;
  // Only "no such decision" is nothing to do; any other failure goes up (the event stays
  // unhandled, the webhook answers 500, Stripe delivers it again).
  const d = await getDecision(db, id).catch((err) => {
    if (err instanceof DomainError && err.code === "not_found") return null;
    throw err;
  });
  if (!d) return;
  if (d.status === "failed") return refundIfChargedAfterFailing(db, d, provider);
  try {
    await runDecision(db, id, provider);
  } catch (err) {
    // Still on its way at Stripe: its job and the sweep keep at it.
    if (!(err instanceof DecisionPendingError)) throw err;
  }
}
