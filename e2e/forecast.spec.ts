import { expect, test } from "@playwright/test";
import { openPopover, signIn } from "./helpers";

// "Will I last until the reset?": the forecast from the last 7 days' pace, the same in the API,
// on Workspace (for each member, for owners) and in the editor's popover.

type Forecast = { runsOutAt: string | null; basis: { windowDays: number; perDay: number } };
const expected = (f: Forecast, who = "you") => (f.runsOutAt === null ? "At this pace, enough until the reset." : new RegExp(`^At this pace ${who} runs? out on .+, .+ before the reset\\.$`));

test("Workspace and the popover say when, at this pace, each kind runs out — as the balance API forecasts", async ({ page }) => {
  await signIn(page, "ada@example.com");
  const res = await page.request.get("/api/v1/balance");
  expect(res.status()).toBe(200);
  const body = (await res.json()) as Record<"message" | "integration", { forecast: Forecast }>;
  // The demo holds usage in the last week: there is a pace to forecast from.
  expect(body.message.forecast.basis).toMatchObject({ windowDays: 7 });
  expect(body.message.forecast.basis.perDay).toBeGreaterThan(0);

  await page.goto("/settings/workspace");
  for (const kind of ["message", "integration"] as const) {
    const f = body[kind].forecast;
    if (f.basis.perDay > 0) await expect(page.getByTestId(`forecast-${kind}`)).toHaveText(expected(f));
  }
  // Owners see each member's.
  const linus = page.getByTestId("forecast-message-linus@example.com");
  await expect(page.getByTestId("left-message-linus@example.com")).toBeVisible();
  if ((await linus.count()) > 0) await expect(linus).toHaveText(/^At this pace(?: Linus runs out on .+ before the reset|, enough until the reset)\.$/);

  await page.goto("/");
  await page.getByRole("link", { name: /Storefront/ }).click();
  const popover = await openPopover(page);
  await expect(popover.getByTestId("message-forecast")).toHaveText(expected(body.message.forecast));
});
