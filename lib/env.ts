import path from "node:path";
import { z } from "zod";

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
        .optional(),
    ),
    /** The primary itself, when DATABASE_URL goes through a transaction pooler (PgBouncer): LISTEN, migrations and CLIs use it. */
    DATABASE_DIRECT_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
        .optional(),
    ),
    /** A streaming replica of the primary: dashboards, charts, activity, CSV and audit reads go to it. */
    DATABASE_REPLICA_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
        .optional(),
    ),
    /** Past this replication lag (ms), pages read from the replica say "as of <time>". */
    REPLICA_MAX_LAG_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    PGLITE_DIR: optionalString,
    AUTH_SECRET: optionalString.pipe(
      z.string().min(32, "must be at least 32 characters (try: openssl rand -base64 32)").optional(),
    ),
    DEMO_SEED: z.enum(["auto", "off"]).default("auto"),
    AI_BASE_URL: optionalString.pipe(z.string().url("must be a URL such as https://api.openai.com/v1").optional()),
    AI_API_KEY: optionalString,
    AI_MODEL: optionalString.pipe(z.string().default("gpt-4o-mini")),
    AI_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
    TRUSTED_PROXY: z.coerce.number().int().min(0).max(5).default(0),
    API_DEADLINE_MS: z.coerce.number().int().min(500).max(60_000).default(8_000),
    ACTION_DEADLINE_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
    JOBS_IN_APP: z.enum(["on", "off"]).default("on"),
    DEBIT_GROUPING: z.enum(["on", "off"]).default("on"),
    /** Metering requests (single or batch) one app key may make a minute in one process; 0: no limit. */
    METERING_RATE_LIMIT: z.coerce.number().int().min(0).max(10_000_000).default(60_000),
    DECISION_SWEEP_AFTER_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
    PAYMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    PAYMENT_TEST_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(0),
    PAYMENT_TEST_DECLINE_PERCENT: z.coerce.number().int().min(0).max(100).default(0),
    /** The app's public URL (next-auth's too): links in emails start with it. */
    NEXTAUTH_URL: optionalString.pipe(z.string().url("must be a URL such as https://credits.example.com").default("http://localhost:3000")),
    SMTP_URL: optionalString.pipe(z.string().regex(/^smtps?:\/\//, "must start with smtp:// or smtps://").optional()),
    MAIL_FROM: optionalString.pipe(z.string().default("Credits <credits@localhost>")),
    /** Who takes owners' payments: the test-mode provider (default; no money moves) or Stripe. */
    PAYMENTS: z.enum(["test", "stripe"]).default("test"),
    STRIPE_SECRET_KEY: optionalString.pipe(z.string().regex(/^(sk|rk)_/, "must be a Stripe secret key (sk_live_…, sk_test_…)").optional()),
    STRIPE_WEBHOOK_SECRET: optionalString.pipe(z.string().regex(/^whsec_/, "must be the webhook endpoint's signing secret (whsec_…)").optional()),
    /** Where the Stripe API is (default Stripe's own); a local fake in tests. */
    STRIPE_API_URL: optionalString.pipe(z.string().url("must be a URL such as http://127.0.0.1:12111").optional()),
  })
  .superRefine((v, ctx) => {
    if (v.NODE_ENV === "production" && v.DATABASE_URL && !v.AUTH_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_SECRET"],
        message: "is required in production with DATABASE_URL (sessions must survive restarts and be shared by every process)",
      });
    }
    if (v.PAYMENTS === "stripe") {
      for (const key of ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"] as const) {
        if (!v[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required with PAYMENTS=stripe" });
      }
    }
  });

export type Env = z.infer<typeof envSchema> & { dataDir: string };

/** Validates the environment; throws one error naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"} ${i.message}`);
    throw new Error(`Invalid configuration (see .env.example):\n${lines.join("\n")}`);
  }
  const dataDir = path.resolve(/* turbopackIgnore: true */ result.data.PGLITE_DIR ?? path.join(/* turbopackIgnore: true */ process.cwd(), ".data"));
  return { ...result.data, dataDir };
}

let cached: Env | undefined;

/** The validated configuration of this process, parsed once at first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** At server start: the configuration is valid, or the process stops with a message naming what is wrong. */
export function checkConfigurationOrExit(): void {
  try {
    env();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
