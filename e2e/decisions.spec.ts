import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations, signIn, sql } from "./helpers";

// What an owner is told around decisions that end seats, move them, or hand apps over. Each test
// leaves the demo workspace as it found it.

test("cancelling warns which pending changes it replaces; resuming puts them back; a seat's end names the top-ups that pause", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/billing");
  // Ada's own seat holds top-ups: removing it would pause them, and the confirmation says so.
  const adaRow = page.getByTestId("seat-Ada Lovelace");
  await adaRow.getByRole("button", { name: "Remove seat" }).click();
  const removeAda = page.getByRole("alertdialog", { name: "Remove Ada Lovelace's seat?" });
  await expect(removeAda.getByTestId("pausing-top-ups")).toContainText(/Its [\d,.]+ integration top-up credits pause when it ends/);
  await removeAda.getByRole("button", { name: "Cancel" }).click();

  // A pending removal of Linus's seat, then the whole plan cancelled.
  const linusRow = page.getByTestId("seat-Linus Torvalds");
  await linusRow.getByRole("button", { name: "Remove seat" }).click();
  const removeLinus = page.getByRole("alertdialog", { name: "Remove Linus Torvalds's seat?" });
  await expect(removeLinus).toContainText("Linus Torvalds falls back to the daily Free allowance and is told so now");
  await removeLinus.getByRole("button", { name: "Remove at cycle end" }).click();
  await expect(linusRow.getByTestId("pending")).toContainText("Will be removed");

  await page.getByRole("button", { name: "Cancel paid plan" }).click();
  const cancel = page.getByRole("alertdialog", { name: "Cancel the paid plan?" });
  await expect(cancel.getByTestId("cancel-replaces")).toContainText(/Linus Torvalds's \w+ seat: removed at the cycle's end/);
  await expect(cancel.getByTestId("cancel-replaces")).toContainText("Resuming the plan puts them back as they were.");
  await expect(cancel.getByTestId("cancel-top-ups")).toContainText("integration top-up credits");
  await expectNoSeriousA11yViolations(page, "[role=alertdialog]");
  await cancel.getByRole("button", { name: "Cancel at cycle end" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The paid plan ends" })).toBeVisible();
  const statuses = async () =>
    (await sql`select kind, status from plan_changes where kind in ('remove_seat', 'cancel') and status in ('scheduled', 'replaced') `).map((r) => `${r.kind}:${r.status}`).sort();
  expect(await statuses()).toEqual(["cancel:scheduled", "cancel:scheduled", "cancel:scheduled", "remove_seat:replaced"]);
  // Linus is told his seat ends.
  const [told] = await sql`select count(*)::int as n from notifications n join users u on u.id = n.user_id where u.email = 'linus@example.com' and n.body like 'Your % seat in Acme ends when this billing cycle does%'`;
  expect(told!.n).toBeGreaterThanOrEqual(1);

  await page.getByRole("button", { name: "Resume the plan" }).click();
  await expect(linusRow.getByTestId("pending")).toContainText("Will be removed");
  expect(await statuses()).toEqual(["remove_seat:scheduled"]);

  // Back as it was.
  await linusRow.getByRole("button", { name: "Undo pending change" }).click();
  await expect(linusRow.getByTestId("pending")).toHaveCount(0);
});

test("removing a member names the apps that pass to the owner; a transfer counts the top-ups that travel with the seat", async ({ page }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/members");
  const linus = page.getByTestId("member-linus@example.com");
  await linus.getByRole("button", { name: "Remove" }).click();
  const remove = page.getByRole("alertdialog", { name: "Remove Linus Torvalds from the workspace?" });
  await expect(remove.getByTestId("apps-handed-over")).toHaveText("Their app Helpdesk passes to the workspace owner, who pays its integrations from then on.");
  await remove.getByRole("button", { name: "Cancel" }).click();

  const ada = page.getByTestId("member-ada@example.com");
  await ada.getByLabel("Transfer Ada Lovelace's seat to").selectOption({ label: "Ken Thompson" });
  await ada.getByRole("button", { name: "Transfer seat" }).click();
  const transfer = page.getByRole("alertdialog");
  await expect(transfer.getByTestId("travelling-top-ups")).toHaveText(/^[\d,.]+ integration top-up credits$/);
  await transfer.getByRole("button", { name: "Cancel" }).click();
  const [kept] = await sql`select count(*)::int as n from credit_accounts a join users u on u.id = a.holder_user_id where u.email = 'ada@example.com' and a.type = 'seat' and a.status = 'active'`;
  expect(kept!.n).toBe(1);
});
