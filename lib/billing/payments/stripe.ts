/** Stripe as a payment provider: customers, saved cards, off-session payments keyed by decision, refunds. */
import { eq } from "drizzle-orm";
import Stripe from "stripe";
import type { Db } from "@/db/client";
import { billingCustomers, providerPayments, workspaces } from "@/db/schema";
import { PaymentActionRequiredError, PaymentDeclinedError, type PaymentProvider, type PaymentState } from "./provider";
import { env } from "@/lib/env";
import { conflict } from "@/lib/errors";

/**
 * Stripe behind the payment interface (PAYMENTS=stripe). One Stripe customer per workspace; the
 * owner saves a card once through Checkout in setup mode; every decision afterwards is an
 * off-session PaymentIntent created with the decision's key as Stripe's idempotency key, so a
 * retried, replayed or concurrent charge of one decision is one PaymentIntent. What Stripe
 * answered is kept in `provider_payments` (the PaymentIntent's id, by key): a refund, a later
 * look or the owner's confirmation finds the payment there and never creates another.
 */

let cached: { key: string; client: Stripe } | undefined;

/** The Stripe client of this process (STRIPE_API_URL points it at a local fake in tests). */
export function stripeClient(): Stripe {
  const config = env();
  const secret = config.STRIPE_SECRET_KEY;
  if (!secret) throw new Error("PAYMENTS=stripe needs STRIPE_SECRET_KEY (see .env.example).");
  const id = `${secret}|${config.STRIPE_API_URL ?? ""}`;
  if (cached?.key === id) return cached.client;
  const api = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : null;
  const client = new Stripe(secret, {
    maxNetworkRetries: 2,
    timeout: config.PAYMENT_TIMEOUT_MS,
    telemetry: false,
    ...(api ? { host: api.hostname, port: api.port || (api.protocol === "https:" ? 443 : 80), protocol: api.protocol === "https:" ? "https" : "http" } : {}),
  });
  cached = { key: id, client };
  return client;
}

export type BillingCustomer = typeof billingCustomers.$inferSelect;

export async function billingCustomer(db: Db, workspaceId: string): Promise<BillingCustomer | undefined> {
  const [row] = await db.select().from(billingCustomers).where(eq(billingCustomers.workspaceId, workspaceId));
  return row;
}

/** The workspace's Stripe customer, created once (keyed by the workspace: two first purchases make one). */
export async function ensureCustomer(db: Db, workspaceId: string, stripe = stripeClient()): Promise<BillingCustomer> {
  const known = await billingCustomer(db, workspaceId);
  if (known) return known;
  const [ws] = await db.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, workspaceId));
  const customer = await stripe.customers.create({ name: ws?.name, metadata: { workspace_id: workspaceId } }, { idempotencyKey: `customer:${workspaceId}` });
  await db.insert(billingCustomers).values({ workspaceId, customerId: customer.id }).onConflictDoNothing();
  return (await billingCustomer(db, workspaceId))!;
}

/** Starts saving a card: a Checkout session in setup mode; the owner is sent to its URL. */
export async function startCardSetup(db: Db, workspaceId: string, urls: { successUrl: string; cancelUrl: string }, stripe = stripeClient()): Promise<string> {
  const customer = await ensureCustomer(db, workspaceId, stripe);
  const session = await stripe.checkout.sessions.create({
    mode: "setup",
    customer: customer.customerId,
    currency: "usd",
    success_url: urls.successUrl,
    cancel_url: urls.cancelUrl,
    metadata: { workspace_id: workspaceId },
  });
  if (!session.url) throw new Error("Stripe returned a checkout session without a URL.");
  return session.url;
}

/**
 * Saves the card of a completed setup session as the workspace's card (its customer's default
 * too). Safe to run twice (the return page and the webhook both do): the same card is written again.
 * `workspaceId`, when given, must be the session's (an owner cannot save a card into another workspace).
 */
export async function saveCardFromSession(db: Db, sessionId: string, workspaceId: string | null, stripe = stripeClient()): Promise<BillingCustomer | null> {
  const session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ["setup_intent.payment_method"] });
  const customerId = typeof session.customer === "string" ? session.customer : session.customer?.id;
  if (!customerId) return null;
  const [owner] = await db.select().from(billingCustomers).where(eq(billingCustomers.customerId, customerId));
  if (!owner || (workspaceId && owner.workspaceId !== workspaceId)) throw conflict("This card was saved for another workspace.");
  if (session.status !== "complete" || !session.setup_intent || typeof session.setup_intent === "string") return null;
  const pm = session.setup_intent.payment_method;
  if (!pm || typeof pm === "string") return null;
  await stripe.customers.update(customerId, { invoice_settings: { default_payment_method: pm.id } });
  const [saved] = await db
    .update(billingCustomers)
    .set({ paymentMethodId: pm.id, cardBrand: pm.card?.brand ?? null, cardLast4: pm.card?.last4 ?? null, updatedAt: new Date() })
    .where(eq(billingCustomers.customerId, customerId))
    .returning();
  return saved ?? null;
}

async function remember(db: Db, key: string, workspaceId: string, pi: { id: string; status: string }) {
  await db
    .insert(providerPayments)
    .values({ key, workspaceId, paymentIntentId: pi.id, status: pi.status })
    .onConflictDoUpdate({ target: providerPayments.key, set: { status: pi.status, updatedAt: new Date() } });
}

/**
 * The PaymentIntent made for `key`: from our record, else from the customer's own list (a process
 * that crashed between Stripe's answer and our record). Never creates one.
 */
async function findPaymentIntent(db: Db, key: string, workspaceId: string, stripe: Stripe): Promise<Stripe.PaymentIntent | null> {
  const [row] = await db.select().from(providerPayments).where(eq(providerPayments.key, key));
  if (row) return stripe.paymentIntents.retrieve(row.paymentIntentId);
  const customer = await billingCustomer(db, workspaceId);
  if (!customer) return null;
  for await (const pi of stripe.paymentIntents.list({ customer: customer.customerId, limit: 100 })) {
    if (pi.metadata?.decision_key === key) {
      await remember(db, key, workspaceId, pi);
      return pi;
    }
  }
  return null;
}

function stateOf(pi: Stripe.PaymentIntent): PaymentState {
  switch (pi.status) {
    case "succeeded":
      return { state: "succeeded", ref: pi.id };
    case "requires_action":
    case "requires_confirmation":
      return { state: "requires_action", ref: pi.id };
    case "requires_payment_method":
      // An off-session attempt the bank wants confirmed leaves the intent here, waiting for the owner.
      if (pi.last_payment_error?.code === "authentication_required") return { state: "requires_action", ref: pi.id };
      return { state: "failed", reason: declineMessage(pi.last_payment_error?.message) };
    case "canceled":
      return { state: "failed", reason: "The payment was cancelled." };
    default:
      return { state: "pending" };
  }
}

const declineMessage = (message?: string | null) => `The card was declined${message ? `: ${message.replace(/\.$/, "")}` : ""}.`;

export function stripeProvider(stripe: Stripe = stripeClient()): PaymentProvider {
  return {
    name: "Stripe",
    testMode: false,
    async charge(db, request) {
      const customer = await billingCustomer(db, request.workspaceId);
      if (!customer?.paymentMethodId) throw new PaymentDeclinedError("No card is saved for this workspace: save one under Billing → Payment method, then try again.");
      let pi: Stripe.PaymentIntent;
      try {
        pi = await stripe.paymentIntents.create(
          {
            amount: request.amountCents,
            currency: "usd",
            customer: customer.customerId,
            payment_method: customer.paymentMethodId,
            off_session: true,
            confirm: true,
            description: request.description,
            metadata: { decision_key: request.key, workspace_id: request.workspaceId },
          },
          { idempotencyKey: request.key },
        );
      } catch (err) {
        if (err instanceof Stripe.errors.StripeCardError) {
          const failed = err.payment_intent;
          if (failed) await remember(db, request.key, request.workspaceId, failed);
          if (err.code === "authentication_required" && failed) throw new PaymentActionRequiredError(failed.id);
          throw new PaymentDeclinedError(declineMessage(err.message));
        }
        if (err instanceof Stripe.errors.StripeIdempotencyError) {
          // The same key with other parameters (the card was replaced meanwhile): the first attempt stands.
          const first = await findPaymentIntent(db, request.key, request.workspaceId, stripe);
          if (!first) throw err;
          pi = first;
        } else throw err;
      }
      await remember(db, request.key, request.workspaceId, pi);
      const state = stateOf(pi);
      if (state.state === "succeeded") return { ref: pi.id };
      if (state.state === "requires_action") throw new PaymentActionRequiredError(pi.id);
      if (state.state === "failed") throw new PaymentDeclinedError(state.reason);
      throw new Error(`Stripe is still processing ${pi.id}.`);
    },
    async status(db, request) {
      const pi = await findPaymentIntent(db, request.key, request.workspaceId, stripe);
      if (!pi) return null;
      await remember(db, request.key, request.workspaceId, pi);
      return stateOf(pi);
    },
    async refund(db, request) {
      const pi = await findPaymentIntent(db, request.key, request.workspaceId, stripe);
      if (!pi) return null;
      if (pi.status !== "succeeded") {
        // Not charged: make sure it never can be (a payment waiting on the owner is cancelled).
        if (pi.status !== "canceled") await stripe.paymentIntents.cancel(pi.id, {}, { idempotencyKey: `cancel:${request.key}` });
        await remember(db, request.key, request.workspaceId, { id: pi.id, status: "canceled" });
        return null;
      }
      const refund = await stripe.refunds.create({ payment_intent: pi.id, metadata: { decision_key: request.key } }, { idempotencyKey: `refund:${request.key}` });
      await db.update(providerPayments).set({ refundId: refund.id, updatedAt: new Date() }).where(eq(providerPayments.key, request.key));
      return { ref: refund.id };
    },
  };
}

/**
 * Where the owner goes to confirm a payment their bank asked about: Stripe's page for it (the
 * PaymentIntent confirmed again on-session with a return URL), or `returnUrl` when it no longer
 * needs them.
 */
export async function confirmationUrl(db: Db, key: string, workspaceId: string, returnUrl: string, stripe = stripeClient()): Promise<string> {
  const pi = await findPaymentIntent(db, key, workspaceId, stripe);
  if (!pi) throw conflict("There is no payment to confirm for this decision.");
  if (pi.status === "requires_action" && pi.next_action?.redirect_to_url?.url) return pi.next_action.redirect_to_url.url;
  if (stateOf(pi).state !== "requires_action") return returnUrl;
  const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: typeof pi.payment_method === "string" ? pi.payment_method : pi.payment_method?.id, return_url: returnUrl });
  await remember(db, key, workspaceId, confirmed);
  return confirmed.next_action?.redirect_to_url?.url ?? returnUrl;
}
