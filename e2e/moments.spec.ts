import { expect, test, type Page } from "@playwright/test";
import { expectNoSeriousA11yViolations, openEditor, signIn, sql } from "./helpers";

test("a role changes only once confirmed, and the answer says the new role", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/members");
  const grace = page.getByTestId("member-grace@example.com");
  const roleOf = async () => (await sql`select m.role from memberships m join users u on u.id = m.user_id where u.email = 'grace@example.com'`)[0]!.role;
  await grace.getByLabel("Role of Grace Hopper").selectOption("member");
  // Choosing is not deciding: nothing changed yet.
  await expect(grace.getByRole("button", { name: "Change role" })).toBeVisible();
  expect(await roleOf()).toBe("admin");
  await grace.getByRole("button", { name: "Change role" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Make Grace Hopper a member?" });
  await expect(confirm).toContainText("will no longer manage members or seats");
  await confirm.getByRole("button", { name: "Make member" }).click();
  await expect(grace.getByRole("status")).toHaveText("Grace Hopper is now a member.");
  expect(await roleOf()).toBe("member");
  await grace.getByLabel("Role of Grace Hopper").selectOption("admin");
  await grace.getByRole("button", { name: "Change role" }).click();
  await page.getByRole("alertdialog", { name: "Make Grace Hopper an admin?" }).getByRole("button", { name: "Make admin" }).click();
  await expect(grace.getByRole("status")).toHaveText("Grace Hopper is now an admin.");
  expect(await roleOf()).toBe("admin");
});

test("an invitation's link stays on screen after other actions, and an open invitation's link can be copied again", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/members");
  const email = `newcomer-${Date.now()}@example.com`;
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Invite" }).click();
  const sent = page.getByRole("region", { name: "Invite someone" }).getByTestId(`invitation-link-${email}`);
  const link = sent.getByRole("textbox", { name: new RegExp(`The link for ${email.replace(".", "\\.")}`) });
  await expect(link).toHaveValue(/\/invite\/[\w-]{20,}$/);
  const url = await link.inputValue();
  await expectNoSeriousA11yViolations(page);

  // Another action on the page: the link is still there.
  const open = page.getByRole("region", { name: "Open invitations" });
  await open.getByRole("button", { name: `Copy link for ${email}` }).click();
  const again = open.getByTestId(`invitation-link-${email}`);
  await expect(again.getByRole("textbox")).toHaveValue(url);
  await expect(sent.getByRole("textbox")).toHaveValue(url);
  await again.getByRole("button", { name: "Copy link" }).click();
  await expect(again.getByRole("status")).toHaveText(/^(Copied\.|Could not copy here: select the text and copy it\.)$/);

  // The link copied again is the one that works: it opens the invitation; revoked, it no longer does.
  const invite = await page.context().newPage();
  await invite.goto(url);
  await expect(invite.getByRole("heading", { name: "Join Acme" })).toBeVisible();
  await open.getByRole("button", { name: `Revoke the invitation for ${email}` }).click();
  await expect(open.getByText(`The invitation for ${email} was revoked`)).toBeVisible();
  await expect(open.getByRole("button", { name: `Copy link for ${email}` })).toHaveCount(0);
  await invite.reload();
  await expect(invite.getByRole("heading", { name: "This invitation can't be used" })).toBeVisible();
  await invite.close();
});

test("the transfer dialog says what both sides get: the receiver's balance, the giver's fallback and their apps'", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/members");
  const linus = page.getByTestId("member-linus@example.com");
  await linus.getByLabel("Transfer Linus Torvalds's seat to").selectOption({ label: "Ken Thompson" });
  await linus.getByRole("button", { name: "Transfer seat" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Give Linus Torvalds's Starter seat to Ken Thompson?" });
  await expect(dialog).toContainText(/Ken Thompson will have [\d,.]+ message and [\d,.]+ integration credits left this cycle\./);
  await expect(dialog.getByTestId("giver-consequence")).toHaveText(
    "Linus Torvalds drops to the daily Free allowance: 5 message and 25 integration credits a day, and their app Helpdesk will spend that allowance: at most 25 integration credits a day.",
  );
  await dialog.getByRole("button", { name: "Cancel" }).click();
});

test("the chat keeps its newest message in view", async ({ page }) => {
  await signIn(page, "grace@example.com");
  await openEditor(page, "Helpdesk");
  const box = page.getByLabel("Message", { exact: true });
  const conversation = page.getByRole("list", { name: "Conversation" });
  for (let i = 1; i <= 12; i++) {
    const q = `Question no. ${String(i).padStart(2, "0")}`;
    await box.fill(q);
    await box.press("Enter");
    await expect(conversation.getByRole("listitem").filter({ hasText: q }).first()).toBeVisible();
    await expect(box).toHaveValue("");
  }
  // Twelve questions and their answers: the last answer is on screen, not the first question.
  const items = conversation.getByRole("listitem");
  await expect(items.last()).toBeInViewport();
  await expect(items.first()).not.toBeInViewport();
});

test("in the chat, Enter sends and Shift+Enter starts a new line", async ({ page }) => {
  await signIn(page, "grace@example.com");
  await openEditor(page, "Helpdesk");
  const box = page.getByLabel("Message", { exact: true });
  await box.fill("First line");
  await box.press("Shift+Enter");
  await box.pressSequentially("second line");
  await expect(box).toHaveValue("First line\nsecond line");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: "Conversation" })).toContainText("First line");
  await expect(box).toHaveValue("");
});

test("an unknown app is a page inside the app's frame, with the way back", async ({ page }) => {
  await signIn(page, "ken@example.com");
  for (const path of ["/apps/not-an-id/editor", "/apps/00000000-0000-4000-8000-000000000000/editor", "/nothing/here"]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "There is nothing here" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Credits" })).toBeVisible();
  }
  await page.getByRole("link", { name: "Back to your apps" }).click();
  await expect(page.getByRole("heading", { name: /^Apps in/ })).toBeVisible();
});

async function everyControlWithinTheScreen(page: Page) {
  const controls = page.getByRole("main").locator("button, select, input, a[href]");
  const count = await controls.count();
  expect(count).toBeGreaterThan(3);
  for (let i = 0; i < count; i++) {
    const control = controls.nth(i);
    if (!(await control.isVisible())) continue;
    await control.scrollIntoViewIfNeeded();
    const box = (await control.boundingBox())!;
    expect(box.x, await control.evaluate((e) => e.outerHTML.slice(0, 80))).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(391);
  }
}

test("at 390 px every control of Billing and Members can be brought on screen", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, "ada@example.com");
  for (const path of ["/settings/billing", "/settings/members"]) {
    await page.goto(path);
    await expect(page.getByText("Swipe the table sideways for more →").first()).toBeVisible();
    await everyControlWithinTheScreen(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is wider than the phone`).toBeLessThanOrEqual(390);
  }
  await context.close();
});

test("on a phone, Workspace's usage tables keep their columns apart, and the editor has a way back to the apps", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, "ada@example.com");
  await page.goto("/settings/workspace");
  const table = page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: "Times" }) });
  await expect(table.getByRole("row").nth(1)).toBeVisible();
  // The space between the end of one cell's text and the start of the next, in each row.
  const gaps = await table.evaluate((t) =>
    [...t.querySelectorAll("tr")].flatMap((tr) => {
      const cells = [...tr.children].map((c) => {
        const r = document.createRange();
        r.selectNodeContents(c);
        return r.getBoundingClientRect();
      });
      return cells.slice(1).map((c, i) => c.left - cells[i]!.right);
    }),
  );
  expect(gaps.length).toBeGreaterThan(3);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(12);

  await openEditor(page, "Storefront");
  const back = page.getByRole("banner").getByRole("link", { name: "All apps" });
  await expect(back).toBeVisible();
  await expect(back).toBeInViewport();
  await back.click();
  await expect(page.getByRole("heading", { name: /^Apps in/ })).toBeVisible();
  await context.close();
});

for (const colorScheme of ["light", "dark"] as const) {
  test(`every page has no serious accessibility violations (${colorScheme})`, async ({ browser }) => {
    const context = await browser.newContext({ baseURL: test.info().project.use.baseURL, colorScheme });
    const page = await context.newPage();
    await signIn(page, "ada@example.com");
    for (const path of ["/", "/help", "/settings/workspace", "/settings/billing", "/settings/members", "/settings/audit-log", "/settings/api-keys", "/nowhere"]) {
      await page.goto(path);
      await page.waitForLoadState("networkidle");
      await expectNoSeriousA11yViolations(page);
    }
    await openEditor(page, "Storefront");
    await expectNoSeriousA11yViolations(page);
    await context.close();
  });
}
