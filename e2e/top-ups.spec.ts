import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations, openEditor, openPopover, signIn, spendAll, sql, type DemoEmail } from "./helpers";

// Runs after the other specs (files run in name order): it spends Ada's and Linus's credits.

test("the owner, out of message credits, buys a top-up from the refusal, and the popover shows it without a reload", async ({ page }) => {
  await signIn(page, "ada@example.com");
  // Spent before the editor opens, so the page knows: Send is disabled and the notice shows
  // before anything is tried (a page open while it happens learns it from the live update).
  await spendAll("ada@example.com", "message");
  // Billing's Buy top-up offers the kind the owner's seat has run out of.
  await page.goto("/settings/billing");
  await page.getByRole("button", { name: "Buy top-up" }).click();
  const offered = page.getByRole("dialog", { name: "Buy top-up credits" });
  await expect(offered.getByLabel("Credits")).toHaveValue("message");
  await expect(offered.getByTestId("top-up-summary")).toContainText("up from 0.");
  await offered.getByRole("button", { name: "Close" }).click();
  await openEditor(page, "Storefront");
  await page.getByRole("radio", { name: "Implement" }).check({ force: true });
  await page.getByLabel("Message", { exact: true }).fill("Add a gift-card page");
  await expect(page.getByRole("button", { name: /^Send/ })).toBeDisabled();
  const alert = page.getByRole("main").getByRole("alert");
  await expect(alert).toContainText("You have 0 message credits available; this needs 1.");

  await alert.getByRole("button", { name: "Buy a top-up" }).click();
  const dialog = page.getByRole("dialog", { name: "Buy top-up credits" });
  await expect(dialog.getByLabel("Credits")).toHaveValue("message");
  await dialog.getByLabel("Packs").selectOption("2");
  await expect(dialog.getByTestId("top-up-summary")).toContainText("100 message credits for $30.");
  await expect(dialog.getByTestId("top-up-summary")).toContainText("The seat will have 100 message credits available, up from 0.");
  await expectNoSeriousA11yViolations(page, "[role=dialog]");
  await dialog.getByRole("button", { name: "Pay $30" }).click();
  // Paid: a done state in place of the form, and no second Pay button to press.
  await expect(dialog.getByTestId("top-up-done")).toContainText("Paid. 100 message credits were added to");
  await expect(dialog.getByRole("button", { name: /^Pay / })).toHaveCount(0);
  await expectNoSeriousA11yViolations(page, "[role=dialog]");
  await dialog.getByRole("button", { name: "Done" }).click();

  const popover = await openPopover(page);
  await expect(popover.getByTestId("message-remaining")).toHaveText("0");
  await expect(popover.getByTestId("message-top-up")).toHaveText("100");
  await expect(popover.getByTestId("message-available")).toHaveText("100");
  await page.keyboard.press("Escape");
  const [lot] = await sql`select t.credits::int as credits, t.used::int as used, t.source from top_up_lots t join credit_accounts a on a.id = t.account_id
                          join users u on u.id = a.holder_user_id where u.email = 'ada@example.com' and t.kind = 'message'`;
  expect(lot).toMatchObject({ credits: 100_000, used: 0, source: "purchase" });

  // The message now goes through, paid from the top-up.
  await page.getByRole("button", { name: /^Send/ }).click();
  await expect(page.getByText("Implemented in Storefront: Add a gift-card page")).toBeVisible();
  const [after] = await sql`select t.used::int as used from top_up_lots t join credit_accounts a on a.id = t.account_id
                            join users u on u.id = a.holder_user_id where u.email = 'ada@example.com' and t.kind = 'message'`;
  expect(after!.used).toBe(1000);
});

test("a member out of credits is told whom to ask, and gets no purchase button", async ({ page }) => {
  await signIn(page, "linus@example.com");
  await spendAll("linus@example.com", "message");
  await openEditor(page, "Helpdesk");
  await page.getByLabel("Message", { exact: true }).fill("How do refunds work?");
  await expect(page.getByRole("button", { name: /^Send/ })).toBeDisabled();
  const alert = page.getByRole("main").getByRole("alert");
  await expect(alert).toContainText("Ask Ada Lovelace, the workspace owner, for a top-up or a bigger plan, or wait for the reset.");
  await expect(alert.getByRole("button", { name: "Buy a top-up" })).toHaveCount(0);
});

test("a cap stops one app's integrations and not the owner's other apps", async ({ page }) => {
  await signIn(page, "linus@example.com");
  const card = page.getByTestId("app-Helpdesk");
  await expect(card.getByTestId("cap")).toContainText("of 500 used");
  await card.getByLabel("Cap per cycle (credits)").fill("1");
  await card.getByRole("button", { name: "Save cap" }).click();
  await expect(card.getByRole("status")).toContainText("Helpdesk stops at 1 integration credit a cycle.");
  await expect(card.getByTestId("cap")).toContainText("reached, its integrations are paused");
  await expectNoSeriousA11yViolations(page);

  await openEditor(page, "Helpdesk");
  await page.getByRole("button", { name: "Run LLM call (1 credit)" }).click();
  const capped = page.getByRole("region", { name: "Integrations" }).getByRole("alert");
  await expect(capped).toContainText("Helpdesk reached the integration cap set for it this cycle.");
  await expect(capped).toContainText(/The cap resets .+\./);
  // The answer is on screen, and Run is off for this app until the cap resets or is raised.
  await expect(capped).toBeInViewport();
  await expect(page.getByRole("button", { name: "Run LLM call (1 credit)" })).toBeDisabled();
  // Activity tells a cap refusal from running out of credits, on screen and in the CSV.
  await page.goto("/settings/workspace?outcome=refused_cap");
  const refusedRow = page.getByRole("row").filter({ hasText: "Helpdesk" }).first();
  await expect(refusedRow).toContainText("the app's cap");
  await page.goto("/settings/workspace?outcome=refused_credits");
  await expect(page.getByRole("row").filter({ hasText: "the app's cap" })).toHaveCount(0);
  const csv = await (await page.request.get("/settings/workspace/activity.csv?outcome=refused_cap")).text();
  const [header, ...lines] = csv.trim().split("\r\n");
  const reason = header!.split(",").indexOf("refusal_reason");
  expect(reason).toBeGreaterThan(0);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((l) => l.split(",")[reason] === "app_cap_reached")).toBe(true);
  // The owner hears it by name too.
  const [note] = await sql`select n.body from notifications n join users u on u.id = n.user_id where u.email = 'linus@example.com' and n.dedupe_key like 'cap:%' order by n.created_at desc limit 1`;
  expect(note?.body).toMatch(/^Helpdesk reached its cap of 1 integration credit/);
  await openEditor(page, "Storefront");
  await page.getByRole("button", { name: "Run LLM call (1 credit)" }).click();
  await expect(page.getByText(/1 integration credit used from Ada Lovelace's balance\./)).toBeVisible();
});

test("Billing lists the top-ups with their expiry, and the owner's auto top-up can be switched on", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/billing#top-ups");
  const section = page.getByRole("region", { name: "Top-up credits" });
  await expect(section.getByRole("row", { name: /Ada Lovelace integration 2,000 of 2,000/ })).toBeVisible();
  await expect(section.getByRole("row", { name: /Ada Lovelace message 99 of 100/ })).toBeVisible();
  // Her allowance is used up, but the top-up is hers to spend: the seats table counts it, as Members does.
  await expect(page.getByTestId("available-Ada Lovelace-message")).toHaveText("99 messageincl. 99 top-up");
  const ada = section.getByTestId("auto-top-up-Ada Lovelace");
  await expect(ada.locator("summary")).toContainText("message: off · integration: off");
  await ada.locator("summary").click();
  const form = ada.locator("form").filter({ hasText: "Buy integration credits automatically" });
  await form.getByLabel(/Buy integration credits automatically/).check();
  await form.getByLabel("When available falls below").fill("300");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByRole("status")).toContainText("Auto top-up of integration credits is on for Ada Lovelace.");
  const [acct] = await sql`select a.auto_top_up from credit_accounts a join users u on u.id = a.holder_user_id where u.email = 'ada@example.com' and a.type = 'seat'`;
  expect(acct!.auto_top_up).toMatchObject({ integration: { enabled: true, threshold: 300_000, packs: 1, maxPerCycle: 2 } });
  // What it may cost is said before it happens, and how much of the maximum this cycle has used.
  const [pack] = await sql`select price_cents::int as cents from top_up_packs where kind = 'integration' and active`;
  const dollars = (cents: number) => `$${(cents / 100).toFixed(cents % 100 ? 2 : 0)}`;
  await expect(form.getByTestId("auto-top-up-spend-integration")).toHaveText(`${dollars(pack!.cents)} each time, at most ${dollars(pack!.cents * 2)} a cycle. Bought automatically 0 of 2 times this cycle.`);
  await form.getByLabel("Buy", { exact: true }).selectOption("2");
  await expect(form.getByTestId("auto-top-up-spend-integration")).toContainText(`at most ${dollars(pack!.cents * 4)} a cycle.`);
  await form.getByLabel("Buy", { exact: true }).selectOption("1");
  await expectNoSeriousA11yViolations(page);

  // The threshold set just under what she has: her next integration crosses it and buys a pack.
  const balance = (await (await page.request.get("/api/v1/balance")).json()) as { integration: { available: number } };
  await form.getByLabel("When available falls below").fill(String(Math.floor(balance.integration.available)));
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByRole("status")).toContainText("Auto top-up of integration credits is on for Ada Lovelace.");
  await openEditor(page, "Storefront");
  await page.getByRole("button", { name: "Run LLM call (1 credit)" }).click();
  await expect(page.getByText(/1 integration credit used from your balance\./)).toBeVisible();
  await expect
    .poll(async () => (await sql`select status from plan_changes where decision_key like 'auto:%' and top_up_kind = 'integration' and status = 'applied'`).length, { timeout: 20_000 })
    .toBe(1);
  await page.goto("/settings/billing#top-ups");
  await expect(ada.locator("summary")).toContainText("integration: on, below");
  await expect(ada.locator("summary")).toContainText("1 of 2 used this cycle");
  await ada.locator("summary").click();
  await expect(form.getByTestId("auto-top-up-spend-integration")).toContainText("Bought automatically 1 of 2 times this cycle.");
  await expectNoSeriousA11yViolations(page);
  await page.goto("/settings/members");
  await expect(page.getByTestId("available-ada@example.com-message")).toHaveText("99 messageincl. 99 top-up");
});

test("people who cannot buy are told what would help: a Free member asks for a seat, a member's Billing says whose top-ups it shows", async ({ page }) => {
  // Whoever of Ken and Grace is on the Free allowance now (a seat may have moved between them).
  const [free] = await sql`select u.email from users u where u.email in ('ken@example.com', 'grace@example.com')
                            and not exists (select 1 from credit_accounts a where a.holder_user_id = u.id and a.type = 'seat' and a.status = 'active') order by u.email limit 1`;
  expect(free).toBeDefined();
  await signIn(page, free!.email as DemoEmail);
  await page.goto("/");
  await page.getByRole("link", { name: /Storefront/ }).click();
  const popover = await openPopover(page);
  await expect(popover.getByTestId("ask-for-more")).toHaveText("Need more? Ask Ada Lovelace, the workspace owner, for a paid seat.");
  await page.keyboard.press("Escape");
  // Linus, a member with a seat and no top-ups of his own: his Billing says it shows his seat's only.
  await page.context().clearCookies();
  await signIn(page, "linus@example.com");
  await page.goto("/settings/billing#top-ups");
  await expect(page.getByText("None on a seat of yours. The workspace's top-ups are shown to its owner and admins.")).toBeVisible();
  await expect(page.getByText("No top-ups bought yet.")).toHaveCount(0);
});
