import { defineConfig, devices } from "@playwright/test";

const embeddedPort = Number(process.env.E2E_PORT ?? 3100);
const postgresPort = embeddedPort + 1;
/** A second app process on the same PostgreSQL database: changes made through one reach pages served by the other. */
export const secondProcessURL = `http://127.0.0.1:${embeddedPort + 2}`;
// A fresh embedded database for every run, outside the repo tree.
const dataDir = process.env.E2E_DATA_DIR ?? `/tmp/credits-e2e-${embeddedPort}`;
// A fresh PostgreSQL database for every run; the specs read it to check what the pages show.
export const e2eDatabaseUrl = process.env.E2E_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/credits_e2e";
/** A real SMTP peer the PostgreSQL app processes send mail to; what it received is read over HTTP. */
const smtpPort = embeddedPort + 3;
export const mailCatcherURL = `http://127.0.0.1:${embeddedPort + 4}`;

/** An app process paying with Stripe (PAYMENTS=stripe) against the local fake of Stripe's API, on a database of its own. */
export const stripeAppURL = `http://127.0.0.1:${embeddedPort + 5}`;
export const fakeStripeURL = `http://127.0.0.1:${embeddedPort + 6}`;
export const stripeDatabaseUrl = `${e2eDatabaseUrl}_stripe`;
const stripeWebhookSecret = "whsec_e2e_only_not_a_real_secret";

const launchOptions = {
  // Debian's Chromium; Playwright's own browser download cannot work on this network.
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

export default defineConfig({
  testDir: "e2e",
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: { trace: "retain-on-failure", launchOptions },
  projects: [
    {
      // The README's first command: embedded PGlite, migrated and seeded on first start.
      name: "embedded",
      testMatch: /auth\.spec\.ts/,
      use: { ...devices["Desktop Chrome"], baseURL: `http://127.0.0.1:${embeddedPort}` },
    },
    {
      // Signs each demo user in once and saves the session for the specs below.
      name: "setup",
      testMatch: /auth\.setup\.ts/,
      use: { ...devices["Desktop Chrome"], baseURL: `http://127.0.0.1:${postgresPort}` },
    },
    {
      name: "postgres",
      dependencies: ["setup"],
      testIgnore: /auth\.(spec|setup)\.ts/,
      use: { ...devices["Desktop Chrome"], baseURL: `http://127.0.0.1:${postgresPort}`, timezoneId: "America/New_York" },
    },
  ],
  // Production builds (`npm run build` first), one process each so they stop cleanly.
  webServer: [
    {
      command: `exec node_modules/.bin/tsx tests/support/smtp-catcher.ts ${smtpPort} ${embeddedPort + 4}`,
      url: `${mailCatcherURL}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `rm -rf ${dataDir} && exec node_modules/.bin/next start -p ${embeddedPort} -H 127.0.0.1`,
      url: `http://127.0.0.1:${embeddedPort}/sign-in`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      env: { PGLITE_DIR: dataDir, DEMO_SEED: "auto", NEXTAUTH_URL: `http://127.0.0.1:${embeddedPort}` },
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `node_modules/.bin/tsx e2e/prepare-db.ts && node_modules/.bin/tsx scripts/db.ts seed && exec node_modules/.bin/next start -p ${postgresPort} -H 127.0.0.1`,
      url: `http://127.0.0.1:${postgresPort}/sign-in`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      env: {
        DATABASE_URL: e2eDatabaseUrl,
        AUTH_SECRET: "e2e-only-secret-not-used-anywhere-else-0123456789",
        NEXTAUTH_URL: `http://127.0.0.1:${postgresPort}`,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      },
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `exec node_modules/.bin/next start -p ${embeddedPort + 2} -H 127.0.0.1`,
      url: `${secondProcessURL}/sign-in`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      env: {
        DATABASE_URL: e2eDatabaseUrl,
        AUTH_SECRET: "e2e-only-secret-not-used-anywhere-else-0123456789",
        NEXTAUTH_URL: secondProcessURL,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      },
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `exec node_modules/.bin/tsx tests/support/fake-stripe.ts ${embeddedPort + 6} ${stripeAppURL}/api/stripe/webhook ${stripeWebhookSecret}`,
      url: `${fakeStripeURL}/_fake/state`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `node_modules/.bin/tsx e2e/prepare-db.ts && node_modules/.bin/tsx scripts/db.ts seed && exec node_modules/.bin/next start -p ${embeddedPort + 5} -H 127.0.0.1`,
      url: `${stripeAppURL}/sign-in`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      env: {
        DATABASE_URL: stripeDatabaseUrl,
        AUTH_SECRET: "e2e-only-secret-not-used-anywhere-else-0123456789",
        NEXTAUTH_URL: stripeAppURL,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        PAYMENTS: "stripe",
        STRIPE_SECRET_KEY: "sk_test_e2e_fake",
        STRIPE_WEBHOOK_SECRET: stripeWebhookSecret,
        STRIPE_API_URL: fakeStripeURL,
      },
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
