import { expect, test } from "@playwright/test";

const password = "correct horse battery";

function uniqueEmail() {
  return `e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

test("sign up, sign out, sign in, then profile icon → Settings → Workspace", async ({ page }) => {
  const email = uniqueEmail();
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Edsger Dijkstra");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page.getByRole("heading", { name: "Apps in Edsger Dijkstra's workspace" })).toBeVisible();

  await page.getByRole("button", { name: "Profile and settings" }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  await page.getByLabel("Email").fill(email.toUpperCase());
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: /^Apps in/ })).toBeVisible();

  await page.getByRole("button", { name: "Profile and settings" }).click();
  await page.getByRole("menuitem", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings\/workspace$/);
  await expect(page.getByRole("link", { name: "Workspace", exact: true })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("heading", { name: "Workspace", level: 2 })).toBeVisible();
  await expect(page.getByText("Edsger Dijkstra's workspace").first()).toBeVisible();
  // Seatless: the meters are the one free allowance shared by all their workspaces, and it says so.
  await expect(page.getByTestId("shared-free")).toContainText("one free allowance for all your workspaces");
});

test("signing up twice with one email gives a clear error", async ({ page }) => {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Ada Again");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("An account with this email already exists");
  await expect(page).toHaveURL(/\/sign-up$/);
});

test("a wrong password gets one message that does not say which part was wrong", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("main").getByRole("alert");
  await expect(alert).toContainText("don't match an account");
  const wrongPassword = await alert.textContent();

  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByLabel("Password").fill("credits-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(wrongPassword!);
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("dashboard pages redirect to sign-in without a session", async ({ page }) => {
  for (const path of ["/", "/settings", "/settings/workspace"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/sign-in$/);
  }
});

test("the demo owner signs in and sees the Acme apps", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("credits-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Apps in Acme" })).toBeVisible();
  await expect(page.getByRole("listitem")).toHaveText([/Helpdesk\s*Owned by Linus Torvalds/, /Storefront\s*Owned by you/]);
});
