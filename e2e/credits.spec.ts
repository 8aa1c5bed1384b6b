import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations, openEditor, openPopover, shown, signIn, sql, usageOf } from "./helpers";


test("profile icon → Settings → Workspace shows the numbers in the database", async ({ page }) => {
  await signIn(page, "linus@example.com");
  await page.getByRole("button", { name: "Profile and settings" }).click();
  await page.getByRole("menuitem", { name: "Settings" }).click();
  await page.getByRole("link", { name: "Workspace", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/workspace$/);

  const db = await usageOf("linus@example.com");
  const mine = page.getByRole("region", { name: "Your credits" });
  await expect(mine.getByRole("meter", { name: "Message credits used" })).toHaveAttribute("aria-valuetext", `${shown(db.messageUsed)} of 100 used, ${shown(db.messageLeft)} left`);
  await expect(mine.getByRole("meter", { name: "Integration credits used" })).toHaveAttribute(
    "aria-valuetext",
    `${shown(db.integrationUsed)} of 2,000 used, ${shown(db.integrationLeft)} left`,
  );
  await expect(mine.getByText(`${shown(db.messageLeft)} left this cycle`)).toBeVisible();
  await expect(mine.getByText("Starter · resets monthly")).toBeVisible();
  // Cycle dates in the viewer's zone (this browser is in New York).
  await expect(mine.getByText(/E[SD]T –/)).toBeVisible();
  await expectNoSeriousA11yViolations(page);
});

test("a discussion message lowers the popover's message credits by 0.3, without a reload", async ({ page }) => {
  await signIn(page, "linus@example.com");
  await openEditor(page, "Helpdesk");
  await expect(page.getByTestId("next-cost")).toHaveText("This message will cost 0.3 message credits.");
  await page.getByRole("radio", { name: "Implement" }).check({ force: true });
  await expect(page.getByTestId("next-cost")).toHaveText("This message will cost 1 message credit.");
  await page.getByRole("radio", { name: "Discuss" }).check({ force: true });

  const before = await usageOf("linus@example.com");
  let dialog = await openPopover(page);
  await expect(dialog.getByTestId("message-remaining")).toHaveText(shown(before.messageLeft));
  await page.keyboard.press("Escape");
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

  await page.getByLabel("Message", { exact: true }).fill("Could tickets have priorities?");
  await page.getByRole("button", { name: /^Send/ }).click();
  await expect(page.getByRole("list", { name: "Conversation" })).toContainText('About "Could tickets have priorities?" in Helpdesk');

  dialog = await openPopover(page);
  await expect(dialog.getByTestId("message-remaining")).toHaveText(shown(before.messageLeft - 0.3));
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  expect((await usageOf("linus@example.com")).messageUsed).toBeCloseTo(before.messageUsed + 0.3, 6);
});

test("a manual edit is free: the balance does not move", async ({ page }) => {
  await signIn(page, "linus@example.com");
  await openEditor(page, "Helpdesk");
  const before = await usageOf("linus@example.com");
  await page.getByLabel("Headline").fill("Helpdesk — now faster");
  await page.getByRole("button", { name: "Save edits" }).click();
  await expect(page.getByRole("status").filter({ hasText: "no credits were used" })).toBeVisible();
  await expect(page.getByLabel("Preview")).toContainText("Helpdesk — now faster");
  const dialog = await openPopover(page);
  await expect(dialog.getByTestId("message-remaining")).toHaveText(shown(before.messageLeft));
  await expect(dialog.getByTestId("integration-remaining")).toHaveText(shown(before.integrationLeft));
  expect(await usageOf("linus@example.com")).toEqual(before);
  const [free] = await sql`select count(*)::int as n from credit_ledger l join users u on u.id = l.actor_user_id
                            where u.email = 'linus@example.com' and l.action = 'edit.manual' and l.created_at > now() - interval '5 minutes'`;
  expect(free!.n).toBe(1);
});

test("a teammate's integration in someone else's app spends the owner's credits, not the teammate's", async ({ page }) => {
  await signIn(page, "grace@example.com");
  await openEditor(page, "Storefront");
  await expect(page.getByText("Paid from Ada Lovelace's (the app owner's) integration credits")).toBeVisible();
  const ada = await usageOf("ada@example.com");
  const grace = await usageOf("grace@example.com");
  let dialog = await openPopover(page);
  await expect(dialog.getByTestId("integration-remaining")).toHaveText(shown(grace.integrationLeft));
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: "Run Send email from a custom domain (2 credits)" }).click();
  await expect(page.getByText("The email was sent from your custom domain. 2 integration credits used from Ada Lovelace's balance.")).toBeVisible();

  expect((await usageOf("ada@example.com")).integrationUsed).toBe(ada.integrationUsed + 2);
  expect(await usageOf("grace@example.com")).toEqual(grace);
  dialog = await openPopover(page);
  await expect(dialog.getByTestId("integration-remaining")).toHaveText(shown(grace.integrationLeft));
  await expect(dialog).toContainText("Integrations in this app use Ada Lovelace's integration credits.");
});

test("a member at zero is refused, told when credits reset, and charged nothing", async ({ page }) => {
  await signIn(page, "ken@example.com");
  await openEditor(page, "Storefront");
  await page.getByRole("radio", { name: "Implement" }).check({ force: true });
  const alert = page.getByRole("main").getByRole("alert");
  // Ken is on the daily Free allowance (5): spend it down through the product itself.
  for (let i = 0; i < 6 && !(await alert.isVisible()); i++) {
    await page.getByLabel("Message", { exact: true }).fill(`Change number ${i}`);
    await page.getByRole("button", { name: /^Send/ }).click();
    await expect(alert.or(page.getByText(`Implemented in Storefront: Change number ${i}`)).first()).toBeVisible();
  }
  await expect(alert).toContainText("You have 0 message credits available; this needs 1.");
  await expect(alert).toContainText(/Credits reset .+ E[SD]T\./);
  // Ken has no seat: what to ask for is a paid seat. Send stays off until the reset.
  await expect(alert).toContainText("Ask Ada Lovelace, the workspace owner, for a paid seat, or wait for the reset.");
  await expect(page.getByRole("button", { name: /^Send/ })).toBeDisabled();
  const db = await usageOf("ken@example.com");
  expect(db).toMatchObject({ type: "free", messageLeft: 0 });
  const dialog = await openPopover(page);
  await expect(dialog.getByTestId("message-remaining")).toHaveText("0");
  await expect(dialog).toContainText("Need more? Ask Ada Lovelace");
});

test("the editor and the open popover have no serious accessibility violations", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await openEditor(page, "Storefront");
  await expectNoSeriousA11yViolations(page);
  await openPopover(page);
  await expectNoSeriousA11yViolations(page, "[role=dialog]");
  await expect(page.getByRole("dialog").getByRole("link", { name: "Get more credits: top-ups and plans" })).toBeVisible();
});

test("the popover and the menus work from the keyboard", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await openEditor(page, "Storefront");
  await page.getByRole("button", { name: "Your credits" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toBeHidden();
  await expect(page.getByRole("button", { name: "Your credits" })).toBeFocused();
  await page.getByRole("button", { name: "Profile and settings" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menuitem", { name: "Settings" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Sign out" })).toBeFocused();
});

test("the help page answers what costs credits", async ({ page }) => {
  await signIn(page, "ken@example.com");
  await page.getByRole("link", { name: "Help", exact: true }).click();
  await page.getByText("What costs credits, and what is free?").click();
  await expect(page.getByRole("row", { name: /Discussion message 0\.3 message/ })).toBeVisible();
  await expect(page.getByRole("row", { name: /Manual edit in the visual editor free/ })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
});
