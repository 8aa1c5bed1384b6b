import { expect, test } from "@playwright/test";
import { secondProcessURL } from "../playwright.config";
import { openEditor, openPopover, shown, signIn, usageOf } from "./helpers";

test("Ada's open popover follows, within 2 s, an integration Linus runs in her app through another app process", async ({ browser }) => {
  const adaContext = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const ada = await adaContext.newPage();
  await signIn(ada, "ada@example.com");
  await openEditor(ada, "Storefront");
  const before = await usageOf("ada@example.com");
  const popover = await openPopover(ada);
  await expect(popover.getByTestId("integration-remaining")).toHaveText(shown(before.integrationLeft));

  const linusContext = await browser.newContext({ baseURL: secondProcessURL });
  const linus = await linusContext.newPage();
  await signIn(linus, "linus@example.com");
  await openEditor(linus, "Storefront");
  await linus.getByRole("button", { name: "Run Send email (1 credit)" }).click();
  await expect(linus.getByText("The email was sent. 1 integration credit used from Ada Lovelace's balance.")).toBeVisible();
  const charged = Date.now();

  // No reload, no click: the server pushes the change and the popover refetches.
  await expect(popover.getByTestId("integration-remaining")).toHaveText(shown(before.integrationLeft - 1), { timeout: 2_000 });
  expect(Date.now() - charged).toBeLessThan(2_000);
  await linusContext.close();
  await adaContext.close();
});
