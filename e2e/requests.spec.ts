import { expect, test } from "@playwright/test";
import { openEditor, signIn, spendAll, sql, usageOf } from "./helpers";

// Members ask, owners answer: a member out of credits asks with one button, the owner sees the
// request on Members and answers it, and the member's open page says so.

test("a member out of credits asks the owner for more; the owner answers from Members; the member sees the answer", async ({ page, browser }) => {
  await sql`update credit_requests set status = 'done' where status = 'open'`;
  const kenContext = await browser.newContext();
  const ken = await kenContext.newPage();
  await signIn(ken, "ken@example.com");
  await openEditor(ken, "Storefront");
  // One message through the product (today's window starts) unless an earlier spec spent his
  // allowance already (Send is then off), then the rest of his Free allowance spent.
  await ken.getByLabel("Message", { exact: true }).fill("What does this app do?");
  const send = ken.getByRole("button", { name: /^Send/ });
  if (await send.isEnabled()) {
    await send.click();
    await expect.poll(async () => (await usageOf("ken@example.com")).messageUsed).toBeGreaterThan(0);
  }
  await spendAll("ken@example.com", "message");
  await openEditor(ken, "Storefront");
  const alert = ken.getByRole("main").getByRole("alert");
  await expect(alert).toContainText("You have 0 message credits available");
  await alert.getByRole("button", { name: "Ask Ada Lovelace for more" }).click();
  await expect(alert.getByTestId("credit-request")).toContainText("You asked Ada Lovelace for more message credits");
  await expect(alert.getByRole("button", { name: "Ask Ada Lovelace for more" })).toHaveCount(0);

  await signIn(page, "ada@example.com");
  await page.goto("/settings/members");
  const request = page.getByRole("region", { name: "Requests for credits" }).getByTestId("request-ken@example.com");
  await expect(request).toContainText("Ken Thompson asked for more message credits");
  await request.getByRole("button", { name: "Mark as done" }).click();
  await expect(request.getByRole("status")).toHaveText("Ken Thompson is told you answered.");

  // Ken's open editor follows: the request is answered, and he may ask again.
  await expect(alert.getByTestId("credit-request")).toContainText("Ada Lovelace answered your last request");
  await expect(alert.getByRole("button", { name: "Ask Ada Lovelace for more" })).toBeVisible();
  await kenContext.close();
});
