import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("the app owner creates a key in Settings → API keys, and the API charges the owner with it", async ({ page, request }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/workspace");
  const before = await page.getByRole("meter", { name: "Integration credits used" }).getAttribute("aria-valuenow");

  await page.goto("/settings/api-keys");
  await page.getByLabel("App").selectOption({ label: "Storefront" });
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-key").textContent())!.trim();
  expect(key).toMatch(/^ck_[A-Za-z0-9_-]{32}$/);
  // The list shows only the key's first characters, never the key; a new key was never used.
  await expect(page.getByText(`${key.slice(0, 10)}…`)).toBeVisible();
  await expect(page.getByTestId(`last-used-${key.slice(0, 10)}`)).toHaveText("never used");

  const idem = `e2e-${Date.now()}`;
  const res = await request.post("/api/v1/usage", {
    headers: { Authorization: `Bearer ${key}`, "Idempotency-Key": idem },
    data: { action: "integration.email", quantity: 2 },
  });
  expect(res.status()).toBe(201);
  const body = await res.json();
  expect(body.event).toMatchObject({ action: "integration.email", quantity: 2, amount: 2 });
  expect(body.balance.used).toBe(Number(before) + 2);

  const replay = await request.post("/api/v1/usage", {
    headers: { Authorization: `Bearer ${key}`, "Idempotency-Key": idem },
    data: { action: "integration.email", quantity: 2 },
  });
  expect(replay.status()).toBe(200);
  expect(await replay.json()).toEqual(body);

  const balance = await request.get("/api/v1/balance", { headers: { Authorization: `Bearer ${key}` } });
  expect((await balance.json()).integration.used).toBe(Number(before) + 2);

  await page.goto("/settings/workspace");
  await expect(page.getByRole("meter", { name: "Integration credits used" })).toHaveAttribute("aria-valuenow", String(Number(before) + 2));
  // The keys list says when the key last worked.
  await page.goto("/settings/api-keys");
  await expect(page.getByTestId(`last-used-${key.slice(0, 10)}`)).toHaveText(/^last used .+\d/);
});

test("a member who owns no app is told so on the API keys page", async ({ page }) => {
  await signIn(page, "ken@example.com");
  await page.goto("/settings/api-keys");
  await expect(page.getByText("You don't own any app in Acme")).toBeVisible();
});

test("the API refuses a missing key with 401 and JSON", async ({ request }) => {
  const res = await request.post("/api/v1/usage", { headers: { "Idempotency-Key": "x" }, data: { action: "integration.llm" } });
  expect(res.status()).toBe(401);
  expect((await res.json()).error.code).toBe("unauthorized");
});

test("the signed-in balance endpoint returns both kinds for the member", async ({ page }) => {
  await signIn(page, "linus@example.com");
  const res = await page.request.get("/api/v1/balance");
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.message.allowance).toBe(100);
  expect(body.integration.allowance).toBe(2000);
});

test("a key revoked right after it was created is no longer shown, nor offered to copy", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/api-keys");
  await page.getByLabel("App").selectOption({ label: "Storefront" });
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-key").textContent())!.trim();
  const prefix = key.slice(0, 10);
  await page.getByRole("button", { name: `Revoke key ${prefix}` }).click();
  await page.getByRole("alertdialog", { name: `Revoke the key ${prefix}…?` }).getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByTestId("new-key-revoked")).toContainText(`(${prefix}…) was revoked`);
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Copy key" })).toHaveCount(0);
  await expect(page.getByText(key)).toHaveCount(0);
});
