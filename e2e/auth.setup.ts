/**
 * Playwright's setup project: each demo user signs in through the form once, and the session
 * is saved for the specs (`signIn` loads it), so the specs test pages rather than the form.
 */
import { expect, test as setup } from "@playwright/test";
import { DEMO_EMAILS, storageStatePath } from "./helpers";

for (const email of DEMO_EMAILS) {
  setup(`sign in as ${email}`, async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("credits-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: /^Apps in/ })).toBeVisible();
    await page.context().storageState({ path: storageStatePath(email) });
  });
}
