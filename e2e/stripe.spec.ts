import { expect, test, type Page } from "@playwright/test";
import postgres from "postgres";
import { fakeStripeURL, stripeAppURL, stripeDatabaseUrl } from "../playwright.config";
import { expectNoSeriousA11yViolations } from "./helpers";

// Paying with Stripe: an app process configured with PAYMENTS=stripe, its Stripe API a local fake
// (tests/support/fake-stripe.ts) that serves Checkout's and the bank's pages and sends signed
// webhooks to the app. The owner saves a card, buys a top-up paid off-session, and finds it in the
// payment history with a receipt; a card whose bank wants a confirmation waits for the owner.

test.use({ baseURL: stripeAppURL });
const sql = postgres(stripeDatabaseUrl, { max: 1, onnotice: () => {} });
test.afterAll(() => sql.end());

interface FakeState {
  paymentIntents: { id: string; key: string; amount: number; status: string }[];
  deliveries: { eventId: string; status: number }[];
  events: { id: string; type: string }[];
}
const fakeState = async () => (await (await fetch(`${fakeStripeURL}/_fake/state`)).json()) as FakeState;

async function signInHere(page: Page, email: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("credits-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: /^Apps in/ })).toBeVisible();
}

async function saveCard(page: Page, number: string) {
  await page.goto("/settings/billing");
  const section = page.getByRole("region", { name: "Payment method" });
  await section.getByRole("button", { name: /^(Save a card|Replace card)$/ }).click();
  // Stripe's page (the fake's): the card is entered there, never here.
  await expect(page.getByRole("heading", { name: "Save a card" })).toBeVisible();
  expect(page.url()).toMatch(new RegExp(`^${fakeStripeURL}/checkout/cs_test_`));
  await page.getByRole("radio", { name: new RegExp(number) }).check();
  await page.getByRole("button", { name: "Save card" }).click();
  await expect(page.getByRole("region", { name: "Payment method" }).getByRole("status")).toHaveText("Card saved: it pays for what you buy from now on.");
  await expect(page.getByTestId("saved-card")).toContainText(`Visa ending in ${number.slice(-4)}`);
}

async function buyIntegrationPack(page: Page) {
  await page.goto("/settings/billing");
  await page.getByRole("button", { name: "Buy top-up" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Buy top-up credits" });
  await dialog.getByLabel("Credits").selectOption("integration");
  await dialog.getByLabel("Packs").selectOption("1");
  await dialog.getByRole("button", { name: "Pay $10" }).click();
  return dialog;
}

test("the owner saves a card with Stripe, buys a top-up paid off-session, and finds it in the payment history with a receipt", async ({ page }) => {
  await signInHere(page, "ada@example.com");
  await page.goto("/settings/billing");
  await expect(page.getByText("Test mode: no real payments are taken")).toHaveCount(0);
  await expect(page.getByTestId("saved-card")).toContainText("No card saved yet.");
  await expectNoSeriousA11yViolations(page);
  await saveCard(page, "4242424242424242");
  const [customer] = await sql<{ payment_method_id: string; card_last4: string }[]>`
    select b.payment_method_id, b.card_last4 from billing_customers b join workspaces w on w.id = b.workspace_id where w.name = 'Acme'`;
  expect(customer).toMatchObject({ card_last4: "4242", payment_method_id: expect.stringMatching(/^pm_/) });

  const dialog = await buyIntegrationPack(page);
  await expect(dialog.getByTestId("top-up-done")).toContainText("Paid. 1,000 integration credits were added to");
  await dialog.getByRole("button", { name: "Done" }).click();

  const [decision] = await sql<{ id: string; status: string; provider_ref: string }[]>`
    select p.id, p.status, p.provider_ref from plan_changes p join workspaces w on w.id = p.workspace_id
    where w.name = 'Acme' and p.provider_ref like 'pi_%' order by p.created_at desc limit 1`;
  expect(decision).toMatchObject({ status: "applied", provider_ref: expect.stringMatching(/^pi_/) });
  // Exactly one PaymentIntent for the decision; its events reached the webhook and were accepted.
  await expect.poll(async () => (await fakeState()).deliveries.length).toBeGreaterThanOrEqual(3);
  const state = await fakeState();
  expect(state.paymentIntents.filter((pi) => pi.key === `plan_change:${decision!.id}`)).toEqual([expect.objectContaining({ id: decision!.provider_ref, amount: 1000, status: "succeeded" })]);
  expect(state.deliveries.every((d) => d.status === 200)).toBe(true);
  const handled = await sql<{ type: string }[]>`select type from provider_events where handled_at is not null`;
  expect(handled.map((e) => e.type)).toEqual(expect.arrayContaining(["checkout.session.completed", "payment_intent.succeeded"]));

  await page.goto("/settings/billing");
  const row = page.getByRole("region", { name: "Payment history" }).getByRole("row").filter({ hasText: decision!.provider_ref });
  await expect(row).toContainText("1 integration top-up pack");
  await expect(row).toContainText("$10");
  await expect(row).toContainText("Paid");
  await row.getByRole("link", { name: "Receipt for 1 integration top-up pack" }).click();
  await expect(page.getByRole("heading", { name: "Receipt" })).toBeVisible();
  await expect(page.getByText("Stripe", { exact: true })).toBeVisible();
  await expect(page.getByText("Test mode: no money moved")).toHaveCount(0);
  await expectNoSeriousA11yViolations(page);
});

test("a card whose bank wants a confirmation: the purchase waits, the owner confirms on the bank's page, and it applies", async ({ page }) => {
  await signInHere(page, "ada@example.com");
  await saveCard(page, "4000002760003184");
  const dialog = await buyIntegrationPack(page);
  await expect(dialog.getByRole("alert")).toContainText("Your bank asks you to confirm this payment");
  await dialog.getByRole("button", { name: "Close" }).click();

  await page.goto("/settings/billing");
  const row = page.getByRole("region", { name: "Payment history" }).getByRole("row").filter({ hasText: "Waiting for you to confirm" });
  await expect(row).toHaveCount(1);
  await expectNoSeriousA11yViolations(page);
  await row.getByRole("link", { name: "Confirm the payment for 1 integration top-up pack" }).click();
  await expect(page.getByRole("heading", { name: "Confirm the payment" })).toBeVisible();
  await page.getByRole("button", { name: "Complete authentication" }).click();
  await expect(page.getByRole("heading", { name: "Receipt" })).toBeVisible();
  await expect(page.getByTestId("receipt-what")).toHaveText("1 integration top-up pack");
  const [decision] = await sql<{ status: string; needs_action_at: Date | null; lots: number }[]>`
    select p.status, p.needs_action_at, (select count(*)::int from top_up_lots t where t.decision_id = p.id) as lots
    from plan_changes p where p.needs_action_at is not null order by p.created_at desc limit 1`;
  expect(decision).toMatchObject({ status: "applied", lots: 1 });
});
