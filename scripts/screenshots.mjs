// Screenshots for the README: `npm run screenshots` against a running server with demo data
// (BASE, default http://127.0.0.1:3000). Writes docs/screenshots/*.png.
import { chromium } from "@playwright/test";

const base = process.env.BASE ?? "http://127.0.0.1:3000";
const out = new URL("../docs/screenshots/", import.meta.url).pathname;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});

async function session(opts, email) {
  const ctx = await browser.newContext({ ...opts, timezoneId: "Europe/London" });
  const page = await ctx.newPage();
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("credits-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
  return { ctx, page };
}

const desktop = { viewport: { width: 1280, height: 900 } };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

for (const [scheme, suffix] of [["light", ""], ["dark", "-dark"]]) {
  const { ctx, page } = await session({ ...desktop, colorScheme: scheme }, "ada@example.com");
  await page.goto(`${base}/settings/workspace?scope=workspace`);
  await page.locator(".recharts-bar-rectangle").first().waitFor();
  await page.screenshot({ path: `${out}workspace${suffix}.png`, fullPage: false });
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: /Storefront/ }).click();
  await page.getByRole("heading", { name: "Chat with the AI" }).waitFor();
  await page.getByRole("button", { name: "Your credits" }).click();
  await page.getByRole("dialog").getByText("Resets").waitFor();
  await page.screenshot({ path: `${out}editor-popover${suffix}.png` });
  await ctx.close();
}
{
  const { ctx, page } = await session({ ...desktop, colorScheme: "light" }, "ada@example.com");
  await page.goto(`${base}/settings/billing#top-ups`);
  await page.getByRole("button", { name: "Buy top-up" }).click();
  await page.getByTestId("top-up-summary").waitFor();
  await page.screenshot({ path: `${out}top-up.png` });
  await ctx.close();
}
{
  const { ctx, page } = await session({ ...phone, colorScheme: "light" }, "linus@example.com");
  await page.goto(`${base}/settings/workspace`);
  await page.screenshot({ path: `${out}workspace-phone.png` });
  await ctx.close();
}
// The shared-pool workspace (Northwind): switched to through the workspace menu, as a person would.
async function toNorthwind(page) {
  await page.getByRole("button", { name: /Switch workspace/ }).click();
  await page.getByRole("menuitemradio", { name: /Northwind/ }).click();
  await page.getByRole("heading", { name: "Apps in Northwind" }).waitFor();
}
for (const [scheme, suffix] of [["light", ""], ["dark", "-dark"]]) {
  const { ctx, page } = await session({ ...desktop, colorScheme: scheme }, "ada@example.com");
  await toNorthwind(page);
  await page.goto(`${base}/settings/workspace`);
  await page.locator(".recharts-bar-rectangle").first().waitFor();
  await page.getByRole("heading", { name: "Members' message credits and limits" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${out}pool-limits${suffix}.png` });
  await page.goto(`${base}/settings/billing`);
  await page.getByRole("heading", { name: "Credit model" }).waitFor();
  await page.screenshot({ path: `${out}pool-billing${suffix}.png` });
  await ctx.close();
}
{
  const { ctx, page } = await session({ ...phone, colorScheme: "light" }, "ken@example.com");
  await toNorthwind(page);
  await page.goto(`${base}/settings/workspace`);
  await page.getByTestId("my-limit").waitFor();
  await page.screenshot({ path: `${out}pool-member-phone.png` });
  await ctx.close();
}
await browser.close();
console.log(`Screenshots written to ${out}`);
