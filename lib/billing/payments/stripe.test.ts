// @pooler: webhook events handled once, jobs and change events (CI runs this file again through PgBouncer)
import { eq, like } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { billingCustomers, mailOutbox, notifications, planChanges, providerEvents, topUpLots } from "@/db/schema";
import { sweepDecisions } from "@/lib/billing/drive/run-decision";
import { handleStripeWebhook, nudgeDecision } from "@/lib/billing/drive/stripe-webhook";
import { FakeStripe, type CardName } from "@/tests/support/fake-stripe";
import { team, type Team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { driveDecision, voidDecision } from "@/lib/billing/decisions/state-machine";
import { getDecision } from "@/lib/billing/decisions/queries";
import type { PaymentProvider } from "@/lib/billing/payments/provider";
import { confirmationUrl, saveCardFromSession, startCardSetup, stripeProvider } from "@/lib/billing/payments/stripe";
import { buyTopUp, recordTopUpPurchase, topUpApplier } from "@/lib/billing/top-ups/buy-top-up";

// The Stripe provider against a local fake of Stripe's API (no network reaches Stripe here): a
// card saved through Checkout, off-session payments keyed by the decision, the bank asking the
// owner to confirm, signed webhooks handled once by event id, refunds.

const SECRET = "whsec_test_only_secret";
let h: DbHandle & { cleanup(): Promise<void> };
let fake: FakeStripe;
let stripe: Stripe;
let provider: PaymentProvider;
beforeAll(async () => {
  h = await createTestDb();
  fake = await new FakeStripe({
    secret: SECRET,
    receiver: async (payload, signature) => (await handleStripeWebhook(h.db, payload, signature, { stripe, secret: SECRET, provider })).status,
  }).listen();
  stripe = new Stripe("sk_test_fake", { host: "127.0.0.1", port: fake.port, protocol: "http", maxNetworkRetries: 2, telemetry: false });
  provider = stripeProvider(stripe);
});
afterEach(async () => {
  await fake.settled();
  fake.holdEvents = false;
});
afterAll(async () => {
  await fake?.close();
  await h?.cleanup();
});

const at = () => new Date();
const key = (id: string) => `plan_change:${id}`;
const buy = (t: Team, packs = 1) => buyTopUp(h.db, { seatId: t.seat.id, kind: "integration", packs, byUserId: t.ada.id }, at(), provider);
const lotsOf = (t: Team) => h.db.select().from(topUpLots).where(eq(topUpLots.accountId, t.seat.id));
const decisionsOf = (t: Team) => h.db.select().from(planChanges).where(eq(planChanges.accountId, t.seat.id));

/** Saves `card` for the team's workspace the way an owner does: Checkout in setup mode, its page, the return. */
async function saveCard(t: Team, card: CardName) {
  const url = await startCardSetup(h.db, t.ws.id, { successUrl: "http://app.test/settings/billing/card?session_id={CHECKOUT_SESSION_ID}", cancelUrl: "http://app.test/settings/billing" }, stripe);
  const res = await fetch(url, { method: "POST", body: new URLSearchParams({ card }), redirect: "manual" });
  expect(res.status).toBe(303);
  const back = new URL(res.headers.get("location")!);
  expect(back.pathname).toBe("/settings/billing/card");
  return saveCardFromSession(h.db, back.searchParams.get("session_id")!, t.ws.id, stripe);
}

describe("saving a card", () => {
  it("Checkout in setup mode saves the card for the workspace, once however often it is reported", async () => {
    const t = await team(h.db);
    const saved = await saveCard(t, "visa");
    expect(saved).toMatchObject({ workspaceId: t.ws.id, cardBrand: "visa", cardLast4: "4242" });
    await fake.settled();
    // The webhook (checkout.session.completed) said the same: one customer, one row, the same card.
    const rows = await h.db.select().from(billingCustomers).where(eq(billingCustomers.workspaceId, t.ws.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.paymentMethodId).toBe(saved!.paymentMethodId);
    expect(fake.customers.get(rows[0]!.customerId)!.invoice_settings).toEqual({ default_payment_method: saved!.paymentMethodId });
    expect(fake.deliveries.filter((d) => fake.events.find((e) => e.id === d.eventId)?.type === "checkout.session.completed").map((d) => d.status)).toContain(200);
  });

  it("a session of another workspace cannot be saved into this one", async () => {
    const a = await team(h.db);
    const b = await team(h.db);
    const url = await startCardSetup(h.db, a.ws.id, { successUrl: "http://app.test/card?session_id={CHECKOUT_SESSION_ID}", cancelUrl: "http://app.test/" }, stripe);
    const res = await fetch(url, { method: "POST", body: new URLSearchParams({ card: "visa" }), redirect: "manual" });
    const sessionId = new URL(res.headers.get("location")!).searchParams.get("session_id")!;
    await expect(saveCardFromSession(h.db, sessionId, b.ws.id, stripe)).rejects.toThrow(/another workspace/);
    expect(await h.db.select().from(billingCustomers).where(eq(billingCustomers.workspaceId, b.ws.id))).toHaveLength(0);
  });
});

describe("paying with the saved card", () => {
  it("a top-up is one off-session PaymentIntent keyed by its decision, applied once", async () => {
    const t = await team(h.db);
    await saveCard(t, "visa");
    const lot = await buy(t, 2);
    await fake.settled();
    const [d] = await decisionsOf(t);
    expect(d!.status).toBe("applied");
    const intents = fake.intentsFor(key(d!.id));
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ amount: d!.amountCents, status: "succeeded", customer: expect.stringMatching(/^cus_/) });
    expect(d!.providerRef).toBe(intents[0]!.id);
    expect(await lotsOf(t)).toEqual([expect.objectContaining({ id: lot.id, decisionId: d!.id })]);
    // The succeeded event arrived after the request had applied it: nothing more happened.
    expect(fake.deliveries.every((x) => x.status === 200)).toBe(true);
    expect(await lotsOf(t)).toHaveLength(1);
  });

  it("without a saved card nothing is charged and the owner is told to save one", async () => {
    const t = await team(h.db);
    await expect(buy(t)).rejects.toThrow(/No card is saved for this workspace/);
    const [d] = await decisionsOf(t);
    expect(d!.status).toBe("failed");
    expect(fake.intentsFor(key(d!.id))).toHaveLength(0);
  });

  it("a declined card: the decision fails, nothing applies, the owner gets the declined email", async () => {
    const t = await team(h.db);
    await saveCard(t, "declined");
    await expect(buy(t)).rejects.toThrow(/The card was declined: Your card was declined\. Nothing was changed\./);
    await fake.settled();
    const [d] = await decisionsOf(t);
    expect(d).toMatchObject({ status: "failed", refundRef: null });
    expect(fake.intentsFor(key(d!.id))).toHaveLength(1);
    expect(await lotsOf(t)).toHaveLength(0);
    const mails = await h.db.select().from(mailOutbox).where(eq(mailOutbox.key, `declined:${d!.id}`));
    expect(mails).toHaveLength(1);
  });

  it("the same decision driven six times at once, with two answers lost on the way: one PaymentIntent, one lot", async () => {
    const t = await team(h.db);
    await saveCard(t, "visa");
    const change = await recordTopUpPurchase(h.db, { seatId: t.seat.id, kind: "integration", packs: 1, byUserId: t.ada.id }, at());
    fake.dropResponses = 2;
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => driveDecision(h.db, change.id, { provider, applier: topUpApplier })));
    fake.dropResponses = 0;
    await driveDecision(h.db, change.id, { provider, applier: topUpApplier });
    expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThan(0);
    expect(fake.intentsFor(key(change.id))).toHaveLength(1);
    expect((await getDecision(h.db, change.id)).status).toBe("applied");
    expect(await lotsOf(t)).toHaveLength(1);
  });
});

describe("the bank asks the owner to confirm", () => {
  it("the decision waits, the owner is told (notice and email), confirms on the bank's page, and it applies", async () => {
    const t = await team(h.db);
    await saveCard(t, "authenticate");
    await expect(buy(t)).rejects.toThrow(/Your bank asks you to confirm this payment/);
    const [d] = await decisionsOf(t);
    expect(d!.status).toBe("paying");
    expect(d!.needsActionAt).not.toBeNull();
    const [notice] = await h.db.select().from(notifications).where(eq(notifications.dedupeKey, `confirm:${d!.id}`));
    expect(notice).toMatchObject({ userId: t.ada.id, href: `/settings/billing/confirm/${d!.id}` });
    const [mail] = await h.db.select().from(mailOutbox).where(eq(mailOutbox.key, `confirm:${d!.id}`));
    expect(mail!.subject).toMatch(/^Confirm your payment: 1 integration top-up pack/);

    // Driving it again (the job, the sweep) neither charges again nor fails it.
    await driveDecision(h.db, d!.id, { provider, applier: topUpApplier });
    expect((await getDecision(h.db, d!.id)).status).toBe("paying");

    const bankPage = await confirmationUrl(h.db, key(d!.id), t.ws.id, `http://app.test/settings/billing/confirm/${d!.id}/done`, stripe);
    expect(bankPage).toMatch(new RegExp(`^${fake.url}/authenticate/pi_`));
    const res = await fetch(bankPage, { method: "POST", body: new URLSearchParams({ outcome: "complete" }), redirect: "manual" });
    expect(res.headers.get("location")).toBe(`http://app.test/settings/billing/confirm/${d!.id}/done`);
    await fake.settled();
    expect((await getDecision(h.db, d!.id)).status).toBe("applied");
    expect(await lotsOf(t)).toHaveLength(1);
    expect(fake.intentsFor(key(d!.id))).toHaveLength(1);
  });

  it("events duplicated and out of order change nothing twice; a bad signature is refused and changes nothing", async () => {
    const t = await team(h.db);
    await saveCard(t, "authenticate");
    await fake.settled();
    fake.holdEvents = true;
    const from = fake.events.length;
    await expect(buy(t)).rejects.toThrow(/confirm this payment/);
    const [d] = await decisionsOf(t);
    const bankPage = await confirmationUrl(h.db, key(d!.id), t.ws.id, "http://app.test/done", stripe);
    await fetch(bankPage, { method: "POST", body: new URLSearchParams({ outcome: "complete" }), redirect: "manual" });
    const held = fake.events.slice(from);
    expect(held.map((e) => e.type)).toEqual(["payment_intent.created", "payment_intent.payment_failed", "payment_intent.requires_action", "payment_intent.succeeded"]);
    const succeeded = held.at(-1)!;

    // Signed with another secret: 400, no event recorded, the decision still waits.
    expect(await fake.deliver(succeeded.id, { secret: "whsec_someone_else" })).toBe(400);
    expect(await h.db.select().from(providerEvents).where(eq(providerEvents.id, succeeded.id))).toHaveLength(0);
    expect((await getDecision(h.db, d!.id)).status).toBe("paying");

    // Newest first, then everything again: applied once, every event handled once.
    for (const e of [...held].reverse()) expect(await fake.deliver(e.id)).toBe(200);
    for (const e of held) expect(await fake.deliver(e.id)).toBe(200);
    expect((await getDecision(h.db, d!.id)).status).toBe("applied");
    expect(await lotsOf(t)).toHaveLength(1);
    const handled = await h.db.select().from(providerEvents).where(like(providerEvents.id, "evt_%"));
    expect(held.every((e) => handled.some((r) => r.id === e.id && r.handledAt))).toBe(true);
  });

  it("the owner fails the bank's check: the decision fails and nothing is charged", async () => {
    const t = await team(h.db);
    await saveCard(t, "authenticate");
    await expect(buy(t)).rejects.toThrow(/confirm this payment/);
    const [d] = await decisionsOf(t);
    const bankPage = await confirmationUrl(h.db, key(d!.id), t.ws.id, "http://app.test/done", stripe);
    await fetch(bankPage, { method: "POST", body: new URLSearchParams({ outcome: "fail" }), redirect: "manual" });
    await fake.settled();
    expect(await getDecision(h.db, d!.id)).toMatchObject({ status: "failed", failureReason: "The card was declined: The card holder did not confirm the payment." });
    expect(fake.intentsFor(key(d!.id))[0]).toMatchObject({ status: "requires_payment_method", amount_refunded: 0 });
    expect(await lotsOf(t)).toHaveLength(0);
  });
});

describe("the webhook's door", () => {
  it("a correctly signed event dated in the future is refused and not recorded", async () => {
    const payload = JSON.stringify({ id: "evt_future_1", object: "event", type: "payment_intent.succeeded", created: Math.floor(Date.now() / 1000) + 3600, data: { object: { id: "pi_x", object: "payment_intent", metadata: {} } } });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    expect(await handleStripeWebhook(h.db, payload, signature, { stripe, secret: SECRET, provider })).toMatchObject({ status: 400 });
    expect(await h.db.select().from(providerEvents).where(eq(providerEvents.id, "evt_future_1"))).toHaveLength(0);
  });

  it("a database failure while nudging a decision is not swallowed: the event stays unhandled for Stripe to deliver again", async () => {
    const t = await team(h.db);
    const change = await recordTopUpPurchase(h.db, { seatId: t.seat.id, kind: "integration", packs: 1, byUserId: t.ada.id }, at());
    const lost = Object.assign(new Error("terminating connection"), { code: "57P01" });
    const broken = new Proxy(h.db, { get: (target, p) => (p === "select" ? () => { throw lost; } : Reflect.get(target, p)) });
    await expect(nudgeDecision(broken, key(change.id), provider)).rejects.toThrow("terminating connection");
    await expect(nudgeDecision(h.db, "plan_change:00000000-0000-4000-8000-000000000000", provider)).resolves.toBeUndefined();
  });
});

describe("refunds", () => {
  it("a paid decision that can no longer apply is refunded, once", async () => {
    const t = await team(h.db);
    await saveCard(t, "visa");
    const change = await recordTopUpPurchase(h.db, { seatId: t.seat.id, kind: "integration", packs: 3, byUserId: t.ada.id }, at());
    await h.db.update(planChanges).set({ status: "paying" }).where(eq(planChanges.id, change.id));
    await provider.charge(h.db, { key: key(change.id), workspaceId: t.ws.id, amountCents: change.amountCents!, description: "3 integration top-up packs" });
    const voided = await voidDecision(h.db, change.id, "the seat ended", provider, at());
    expect(voided).toMatchObject({ status: "voided", refundRef: expect.stringMatching(/^re_/) });
    const again = await provider.refund(h.db, { key: key(change.id), workspaceId: t.ws.id });
    expect(again!.ref).toBe(voided.refundRef);
    expect(fake.refunds.size).toBeGreaterThan(0);
    const [pi] = fake.intentsFor(key(change.id));
    expect([...fake.refunds.values()].filter((r) => r.payment_intent === pi!.id)).toHaveLength(1);
    expect(pi!.amount_refunded).toBe(change.amountCents);
    expect(await lotsOf(t)).toHaveLength(0);
  });

  it("a decision recorded as failed whose payment the bank confirmed later, with no webhook: the sweep refunds it, once", async () => {
    const t = await team(h.db);
    await saveCard(t, "visa");
    await fake.settled();
    // No webhook reaches us for this payment (held at the fake, never delivered).
    fake.holdEvents = true;
    const change = await recordTopUpPurchase(h.db, { seatId: t.seat.id, kind: "integration", packs: 2, byUserId: t.ada.id }, at());
    await provider.charge(h.db, { key: key(change.id), workspaceId: t.ws.id, amountCents: change.amountCents!, description: "2 integration top-up packs" });
    // As if the first answer had been the decline and the bank's confirmation never reached us.
    await h.db.update(planChanges).set({ status: "failed", failureReason: "The card was declined.", updatedAt: at() }).where(eq(planChanges.id, change.id));
    await sweepDecisions(h.db, provider, null);
    const after = await getDecision(h.db, change.id);
    expect(after).toMatchObject({ status: "failed", refundRef: expect.stringMatching(/^re_/) });
    await sweepDecisions(h.db, provider, null);
    const [pi] = fake.intentsFor(key(change.id));
    expect([...fake.refunds.values()].filter((r) => r.payment_intent === pi!.id)).toHaveLength(1);
    expect(pi!.amount_refunded).toBe(change.amountCents);
    expect(await lotsOf(t)).toHaveLength(0);
  });

  it("a payment waiting on the owner is cancelled when its decision is voided: it can never be charged", async () => {
    const t = await team(h.db);
    await saveCard(t, "authenticate");
    await expect(buy(t)).rejects.toThrow(/confirm this payment/);
    const [d] = await decisionsOf(t);
    const voided = await voidDecision(h.db, d!.id, "the owner gave up", provider, at());
    expect(voided.refundRef).toBe("none");
    expect(fake.intentsFor(key(d!.id))[0]!.status).toBe("canceled");
    await expect(confirmationUrl(h.db, key(d!.id), t.ws.id, "http://app.test/done", stripe)).resolves.toBe("http://app.test/done");
  });
});
