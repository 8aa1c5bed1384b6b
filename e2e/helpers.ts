import AxeBuilder from "@axe-core/playwright";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, type BrowserContext, type Page } from "@playwright/test";
import postgres from "postgres";
import { e2eDatabaseUrl } from "../playwright.config";

export const sql = postgres(e2eDatabaseUrl, { max: 2, onnotice: () => {} });

export const DEMO_EMAILS = ["ada@example.com", "grace@example.com", "linus@example.com", "ken@example.com"] as const;
export type DemoEmail = (typeof DEMO_EMAILS)[number];

/** Where the setup project keeps each demo user's signed-in session (git-ignored). */
export const storageStatePath = (email: string) => path.join(process.cwd(), "e2e", ".auth", `${email.split("@")[0]}.json`);

/** Opens the app as a demo user with the session the setup project saved: no form, no wait. */
export async function signIn(page: Page, email: DemoEmail) {
  const { cookies } = JSON.parse(await readFile(storageStatePath(email), "utf8")) as { cookies: Parameters<BrowserContext["addCookies"]>[0] };
  await page.context().clearCookies();
  await page.context().addCookies(cookies);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: /^Apps in/ })).toBeVisible();
}

/** The member's usage row for their current cycle in Acme, straight from the database (credits). */
export async function usageOf(email: string) {
  const rows = await sql<{ type: string; message_used: string; message_allowance: string; integration_used: string; integration_allowance: string }[]>`
    with u as (select id from users where email = ${email}),
         acct as (
           select a.* from credit_accounts a, u
           where a.holder_user_id = u.id and a.status = 'active'
             and (a.type = 'free' or a.workspace_id = (select id from workspaces where name = 'Acme'))
           order by (a.type = 'seat') desc limit 1)
    select acct.type, coalesce(x.message_used, 0) as message_used, coalesce(x.message_allowance, p.message_allowance) as message_allowance,
           coalesce(x.integration_used, 0) as integration_used, coalesce(x.integration_allowance, p.integration_allowance) as integration_allowance
    from acct join plans p on p.id = acct.plan_id
    left join lateral (select * from account_usage au where au.account_id = acct.id and au.cycle_start <= now() and au.cycle_end > now()) x on true`;
  const r = rows[0]!;
  const c = (v: string) => Number(v) / 1000;
  return {
    type: r.type,
    messageUsed: c(r.message_used),
    messageLeft: c(r.message_allowance) - c(r.message_used),
    integrationUsed: c(r.integration_used),
    integrationLeft: c(r.integration_allowance) - c(r.integration_used),
  };
}

/** Display format: one decimal, thousands separators (as the app shows credits). */
export function shown(credits: number) {
  const tenths = Math.round(credits * 10);
  const whole = Math.trunc(tenths / 10).toLocaleString("en-US");
  return tenths % 10 === 0 ? whole : `${whole}.${Math.abs(tenths % 10)}`;
}

export async function expectNoSeriousA11yViolations(page: Page, include?: string) {
  const builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  if (include) builder.include(include);
  const { violations } = await builder.analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

export async function openPopover(page: Page) {
  await page.getByRole("button", { name: "Your credits" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("message-remaining")).toBeVisible();
  return dialog;
}

/** From the apps list into an app's editor. */
export async function openEditor(page: Page, app: string) {
  await page.goto("/");
  await page.getByRole("link", { name: new RegExp(app) }).click();
  await expect(page.getByRole("heading", { name: "Chat with the AI" })).toBeVisible();
}

/**
 * Spends a member's remaining credits of one kind in Acme the way the product would record it
 * (a charged ledger row and the usage row moving together), so a test starts at the edge.
 */
export async function spendAll(email: string, kind: "message" | "integration") {
  await sql.begin(async (tx) => {
    const [row] = await tx<{ account_id: string; cycle_start: Date; left: string; workspace_id: string; user_id: string }[]>`
      with u as (select id from users where email = ${email}),
           acct as (select a.* from credit_accounts a, u where a.holder_user_id = u.id and a.status = 'active'
                      and (a.type = 'free' or a.workspace_id = (select id from workspaces where name = 'Acme'))
                    order by (a.type = 'seat') desc limit 1)
      select au.account_id, au.cycle_start, (select id from workspaces where name = 'Acme') as workspace_id, (select id from u) as user_id,
             case when ${kind} = 'message' then au.message_allowance - au.message_used - au.message_reserved
                  else au.integration_allowance - au.integration_used - au.integration_reserved end as left
      from account_usage au join acct on acct.id = au.account_id
      where au.cycle_start <= now() and au.cycle_end > now()`;
    if (!row) throw new Error(`no usage row this cycle for ${email}`);
    const left = Number(row.left);
    if (left <= 0) return;
    await tx`update account_usage set ${tx(kind === "message" ? "message_used" : "integration_used")} = ${tx(kind === "message" ? "message_used" : "integration_used")} + ${left}
             where account_id = ${row.account_id} and cycle_start = ${row.cycle_start}`;
    await tx`insert into credit_ledger (idempotency_key, request_hash, actor_user_id, payer_account_id, payer_user_id, workspace_id, action, kind, quantity, amount, outcome, cycle_start, source)
             values (${`e2e-spend:${email}:${kind}:${Date.now()}`}, 'e2e', ${row.user_id}, ${row.account_id}, ${row.user_id}, ${row.workspace_id},
                     ${kind === "message" ? "message.implement" : "integration.llm"}, ${kind}, 1, ${left}, 'charged', ${row.cycle_start}, 'editor')`;
  });
}
