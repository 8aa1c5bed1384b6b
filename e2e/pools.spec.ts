import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { expectNoSeriousA11yViolations, openEditor, openPopover, signIn, sql } from "./helpers";

// A shared pool end to end: the owner opens one for a workspace without seats, sets a default
// limit and a member's own; a limited member runs out of their limit while the pool still has
// credits and is told why; the owner raises the limit and the member's open page follows.

/** A fresh workspace of Ada's, with Ken and Linus as members and an app, so the test owns its state. */
async function poolCandidate() {
  const name = `Pool team ${Date.now()}`;
  const [ws] = await sql<{ id: string }[]>`
    insert into workspaces (name, owner_id, created_at) values (${name}, (select id from users where email = 'ada@example.com'), now() - interval '1 day') returning id`;
  await sql`insert into memberships (workspace_id, user_id, role)
            select ${ws!.id}, id, case when email = 'ada@example.com' then 'owner'::member_role else 'member'::member_role end
            from users where email in ('ada@example.com', 'ken@example.com', 'linus@example.com')`;
  await sql`insert into apps (id, workspace_id, owner_user_id, name) values (${randomUUID()}, ${ws!.id}, (select id from users where email = 'ada@example.com'), 'Pool app')`;
  return { id: ws!.id, name };
}

async function inWorkspace(page: Page, workspaceId: string) {
  await page.context().addCookies([{ name: "credits-workspace", value: workspaceId, url: page.url() }]);
}

test("an owner opens a shared pool and sets limits; a limited member runs out of their limit, is told why, and carries on once it is raised", async ({ page, browser }) => {
  const ws = await poolCandidate();
  await signIn(page, "ada@example.com");
  await inWorkspace(page, ws.id);

  // Billing: the workspace has no seats, so the pool opens now (paid like a seat, in test mode).
  await page.goto("/settings/billing");
  await expect(page.getByTestId("credit-model")).toContainText("Per seat");
  await page.getByLabel("Pool plan").selectOption("starter");
  await page.getByRole("button", { name: "Open a shared pool" }).click();
  await page.getByRole("alertdialog", { name: /Open a shared Starter pool now\?/ }).getByRole("button", { name: "Pay and open the pool" }).click();
  await expect(page.getByText("The shared pool is open: everyone here draws from it now.")).toBeVisible();
  await expect(page.getByTestId("credit-model")).toContainText("Shared pool");
  await expect(page.getByTestId("seat-pool")).toContainText("Starter");
  await expectNoSeriousA11yViolations(page);

  // Settings → Workspace: a default of 1 message credit a month, and Linus's own 5.
  await page.goto("/settings/workspace");
  await expect(page.getByRole("heading", { name: "Shared pool" })).toBeVisible();
  await page.getByLabel("Default limit per member (message credits a month)").fill("1");
  await page.getByRole("button", { name: "Save default" }).click();
  await expect(page.getByText("Members without a limit of their own now have 1 message credit a month.")).toBeVisible();
  await page.getByLabel("Linus Torvalds's limit", { exact: true }).selectOption("own");
  await page.getByLabel("Linus Torvalds's limit in message credits a month").fill("5");
  await page.getByRole("button", { name: "Save Linus Torvalds's limit" }).click();
  await expect(page.getByText("Linus Torvalds's limit is saved.")).toBeVisible();
  await expect(page.getByTestId("limit-ken@example.com")).toContainText("1");
  await expect(page.getByTestId("limit-ken@example.com")).toContainText("default");
  await expect(page.getByTestId("limit-linus@example.com")).toHaveText("5");
  await expect(page.getByTestId("limit-ada@example.com")).toHaveText("Never limited");
  await expectNoSeriousA11yViolations(page);

  // Ken, limited by the default: one change (1 credit) and his limit is used up; the pool is not.
  const kenContext = await browser.newContext();
  const ken = await kenContext.newPage();
  await signIn(ken, "ken@example.com");
  await inWorkspace(ken, ws.id);
  await openEditor(ken, "Pool app");
  await ken.getByRole("radio", { name: "Implement" }).check({ force: true });
  await ken.getByLabel("Message", { exact: true }).fill("Add a footer");
  await ken.getByRole("button", { name: /^Send/ }).click();
  await expect(ken.getByText("Implemented in Pool app: Add a footer")).toBeVisible();
  const alert = ken.getByRole("main").getByRole("alert");
  await expect(alert).toContainText("Your own limit in this workspace has 0 message credits left; this needs 1.");
  await expect(alert).toContainText("The shared pool may still have credits");
  await expect(alert).toContainText("Ask Ada Lovelace, the workspace owner, or an admin to raise your limit");
  await expect(ken.getByRole("button", { name: /^Send/ })).toBeDisabled();
  const popover = await openPopover(ken);
  await expect(popover.getByRole("heading", { name: "Shared pool" })).toBeVisible();
  await expect(popover.getByTestId("message-remaining")).toHaveText("99");
  await expect(popover.getByTestId("limit-remaining")).toHaveText("0");
  await ken.keyboard.press("Escape");
  const [row] = await sql<{ used: string }[]>`select message_used::text as used from member_usage where workspace_id = ${ws.id} and user_id = (select id from users where email = 'ken@example.com')`;
  expect(Number(row!.used)).toBe(1000);

  // Ada raises Ken's limit; Ken's open editor follows without a reload.
  await page.getByLabel("Ken Thompson's limit", { exact: true }).selectOption("own");
  await page.getByLabel("Ken Thompson's limit in message credits a month").fill("4");
  await page.getByRole("button", { name: "Save Ken Thompson's limit" }).click();
  await expect(page.getByText("Ken Thompson's limit is saved.")).toBeVisible();
  await expect(alert).toHaveCount(0);
  await ken.getByLabel("Message", { exact: true }).fill("Add a header");
  await expect(ken.getByRole("button", { name: /^Send/ })).toBeEnabled();
  const again = await openPopover(ken);
  await expect(again.getByTestId("limit-remaining")).toHaveText("3");
  await kenContext.close();
});
