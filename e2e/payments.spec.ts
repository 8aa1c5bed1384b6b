import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations, signIn } from "./helpers";

// Billing's payment history: the owner finds what was paid, opens its receipt, and exports the list.

test("the owner sees every payment on Billing, opens a receipt, and exports the history as CSV; a member sees none of it", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/billing");
  const history = page.getByRole("region", { name: "Payment history" });
  await expect(page.getByTestId("pack-prices")).toHaveText("Message pack: 50 credits for $15 · Integration pack: 1,000 credits for $10");
  // The demo's purchase (its reference is "test-mode"): two integration packs for Ada's seat, 20 days ago.
  const row = history.getByRole("row").filter({ hasText: "test-mode" }).filter({ hasText: "2 integration top-up packs" });
  await expect(row).toContainText("Ada Lovelace");
  await expect(row).toContainText("$20");
  await expect(row).toContainText("Paid");
  await expectNoSeriousA11yViolations(page);
  await row.getByRole("link", { name: "Receipt for 2 integration top-up packs" }).click();
  await expect(page.getByRole("heading", { name: "Receipt" })).toBeVisible();
  await expect(page.getByTestId("receipt-what")).toHaveText("2 integration top-up packs");
  await expect(page.getByTestId("receipt-amount")).toHaveText("$20");
  await expectNoSeriousA11yViolations(page);

  const csv = await page.request.get("/settings/billing/payments.csv");
  expect(csv.status()).toBe(200);
  const text = await csv.text();
  expect(text.split("\r\n")[0]).toBe("time_utc,type,what,for,amount_usd,status,reference");
  expect(text).toMatch(/,charge,2 integration top-up packs,Ada Lovelace,20\.00,paid,test-mode\r\n/);

  await signIn(page, "ken@example.com");
  await page.goto("/settings/billing");
  await expect(page.getByRole("region", { name: "Payment history" })).toHaveCount(0);
  expect((await page.request.get("/settings/billing/payments.csv")).status()).toBe(403);
});
