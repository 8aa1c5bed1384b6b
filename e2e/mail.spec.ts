import { expect, test } from "@playwright/test";
import { mailCatcherURL } from "../playwright.config";
import { signIn, sql } from "./helpers";

// Invitations go by email: the invited address receives it at a real SMTP peer, and the person
// joins through its link.

async function mailTo(address: string) {
  let found: { subject: string; text: string }[] = [];
  await expect
    .poll(
      async () => {
        found = (await (await fetch(`${mailCatcherURL}/messages?to=${encodeURIComponent(address)}`)).json()) as typeof found;
        return found.length;
      },
      { timeout: 20_000 },
    )
    .toBe(1);
  return found[0]!;
}

test("an invited person receives the email and joins through its link", async ({ page, browser }) => {
  await signIn(page, "ada@example.com");
  await page.goto("/settings/members");
  const email = `mailed-${Date.now()}@example.com`;
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Invite" }).click();
  await expect(page.getByRole("region", { name: "Invite someone" }).getByTestId(`invitation-link-${email}`)).toBeVisible();

  const mail = await mailTo(email);
  expect(mail.subject).toBe("Ada Lovelace invited you to Acme on Credits");
  expect(mail.text).toContain(`sign in or sign up with ${email}`);
  const link = /(http:\/\/\S+\/invite\/[\w-]+)/.exec(mail.text)![1]!;

  const newcomer = await (await browser.newContext()).newPage();
  await newcomer.goto(link);
  await expect(newcomer.getByRole("heading", { name: "Join Acme" })).toBeVisible();
  await newcomer.getByRole("link", { name: "Create an account" }).click();
  await newcomer.getByLabel("Name").fill("Mae Jemison");
  await newcomer.getByLabel("Email").fill(email);
  await newcomer.getByLabel("Password").fill("correct horse battery");
  await newcomer.getByRole("button", { name: "Create account" }).click();
  await expect(newcomer.getByRole("heading", { name: "Join Acme" })).toBeVisible();
  await newcomer.getByRole("button", { name: "Accept invitation" }).click();
  await expect(newcomer.getByText("You joined Acme.")).toBeVisible();
  const [row] = await sql<{ role: string }[]>`select m.role from memberships m join users u on u.id = m.user_id join workspaces w on w.id = m.workspace_id where u.email = ${email} and w.name = 'Acme'`;
  expect(row?.role).toBe("member");
  // The link worked once: opened again, it says so.
  await newcomer.goto(link);
  await expect(newcomer.getByRole("heading", { name: "This invitation can't be used" })).toBeVisible();
  await newcomer.context().close();
});
