import { expect, test, type Browser } from "@playwright/test";
import { expectNoSeriousA11yViolations, openPopover, shown, signIn, sql, usageOf, type DemoEmail } from "./helpers";

async function as(browser: Browser, email: DemoEmail) {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL, timezoneId: "America/New_York" });
  const page = await context.newPage();
  await signIn(page, email);
  return page;
}

const seatRow = (page: import("@playwright/test").Page, holder: string) => page.getByTestId(`seat-${holder}`);

test("the owner upgrades Linus's seat mid-cycle and Linus sees the used credits against the new allowance at once", async ({ browser }) => {
  const ada = await as(browser, "ada@example.com");
  await ada.goto("/settings/billing");
  await expect(ada.getByText("Test mode: no real payments are taken")).toBeVisible();
  const row = seatRow(ada, "Linus Torvalds");
  await row.getByLabel("Plan for Linus Torvalds").selectOption("builder");
  await row.getByRole("button", { name: "Upgrade to Builder" }).click();
  // Before paying: the new allowance, the price and when it applies.
  const confirm = ada.getByRole("alertdialog", { name: "Upgrade Linus Torvalds's seat to Builder?" });
  await expect(confirm.getByTestId("upgrade-terms")).toContainText("From now: 250 message and 10,000 integration credits this cycle.");
  await expect(confirm).toContainText(/You pay \$30 now \(the difference from Starter\), then \$50 a month from .+\./);
  await confirm.getByRole("button", { name: "Upgrade and pay $30" }).click();
  await expect(row.getByRole("status")).toContainText("Upgraded to Builder now");
  await expect(row).toContainText("Builder · $50/month");
  await expectNoSeriousA11yViolations(ada);

  const db = await usageOf("linus@example.com");
  expect(db.type).toBe("seat");
  const linus = await as(browser, "linus@example.com");
  await linus.goto("/settings/workspace");
  const mine = linus.getByRole("region", { name: "Your credits" });
  await expect(mine.getByText(`${shown(db.messageUsed)} of 250 used`)).toBeVisible();
  await expect(mine.getByText(`${shown(250 - db.messageUsed)} left this cycle`)).toBeVisible();
  await expect(mine.getByText("Builder · resets monthly")).toBeVisible();
  await linus.context().close();
  await ada.context().close();
});

test("the owner schedules a downgrade, sees it pending, and undoes it", async ({ browser }) => {
  const ada = await as(browser, "ada@example.com");
  await ada.goto("/settings/billing");
  const row = seatRow(ada, "Linus Torvalds");
  await row.getByLabel("Plan for Linus Torvalds").selectOption("starter");
  await row.getByRole("button", { name: "Downgrade to Starter" }).click();
  await ada.getByRole("alertdialog").getByRole("button", { name: "Downgrade at cycle end" }).click();
  await expect(row.getByTestId("pending")).toContainText(/Pending: Moves to Starter on .+E[SD]T/);
  await expect(row).toContainText("Builder · $50/month");
  const [scheduled] = await sql`select count(*)::int as n from plan_changes where kind = 'downgrade' and status = 'scheduled'`;
  expect(scheduled!.n).toBe(1);

  await row.getByRole("button", { name: "Undo pending change" }).click();
  await expect(row.getByTestId("pending")).toHaveCount(0);
  await expect(row).toContainText("Builder · $50/month");
  // The confirmation describes a moment: it is read, then it goes rather than lingering.
  await expect(row.getByText("Pending change undone.")).toBeVisible();
  await expect(row.getByText("Pending change undone.")).toHaveCount(0, { timeout: 15_000 });
  const [after] = await sql`select count(*)::int as scheduled, (select count(*)::int from plan_changes where kind = 'downgrade' and status = 'undone') as undone
                             from plan_changes where status = 'scheduled'`;
  expect(after).toEqual({ scheduled: 0, undone: 1 });
  await ada.goto("/settings/audit-log");
  await expect(ada.getByRole("row", { name: /Ada Lovelace Took back the pending downgrade of Linus Torvalds's Builder seat/ })).toBeVisible();
  await ada.context().close();
});

test("the owner transfers Grace's seat to Ken, and Ken's popover shows the carried balance", async ({ browser }) => {
  const grace = await usageOf("grace@example.com");
  expect(grace.type).toBe("seat");
  const ada = await as(browser, "ada@example.com");
  await ada.goto("/settings/members");
  const row = ada.getByTestId("member-grace@example.com");
  await row.getByLabel("Transfer Grace Hopper's seat to").selectOption({ label: "Ken Thompson" });
  await row.getByRole("button", { name: "Transfer seat" }).click();
  const dialog = ada.getByRole("alertdialog");
  await expect(dialog).toContainText(
    `Ken Thompson will have ${shown(grace.messageLeft)} message and ${shown(grace.integrationLeft)} integration credits left this cycle.`,
  );
  await dialog.getByRole("button", { name: "Transfer seat" }).click();
  await expect(ada.getByTestId("member-ken@example.com")).toContainText("Builder seat");
  await expect(ada.getByTestId("member-grace@example.com")).toContainText("Free (daily)");

  const ken = await as(browser, "ken@example.com");
  await ken.goto("/");
  await ken.getByRole("link", { name: /Storefront/ }).click();
  const popover = await openPopover(ken);
  await expect(popover.getByTestId("message-remaining")).toHaveText(shown(grace.messageLeft));
  await expect(popover.getByTestId("integration-remaining")).toHaveText(shown(grace.integrationLeft));
  await expect(popover).toContainText("of 250 left");
  // Ken's page says the usage he finds on the seat was spent before it came to him.
  await ken.goto("/settings/workspace");
  await expect(ken.getByTestId("carried")).toHaveText(
    `Carried with the seat: ${shown(grace.messageUsed)} message and ${shown(grace.integrationUsed)} integration credits of this cycle's usage were spent before the seat came to you.`,
  );
  await ken.context().close();
  await ada.context().close();
});

test("a member sees the billing page read-only, with whom to ask", async ({ page }) => {
  await signIn(page, "linus@example.com");
  await page.goto("/settings/billing");
  await expect(page.getByRole("note")).toContainText("only Ada Lovelace, the owner, can change plans and seats");
  await expect(page.getByRole("heading", { name: "Paid seats" })).toBeVisible();
  await expect(page.getByRole("button", { name: /Upgrade|Downgrade|Change plan|Remove seat|Add seat|Cancel paid plan/ })).toHaveCount(0);
  await expect(page.getByRole("combobox")).toHaveCount(0);
  await page.goto("/settings/audit-log");
  await expect(page.getByText("Only the workspace owner and admins can see the audit log.")).toBeVisible();
});
