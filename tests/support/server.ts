import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { migrateDb, openPostgres, type DbHandle } from "@/db/client";
import { assertLocalDatabase, directUrlFor, poolerOptions } from "./local-db";
import { openTestDbs } from "./test-db";
import { seedCatalog } from "@/lib/credits/catalog";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
const ADMIN_URL = process.env.RELIABILITY_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh, migrated database on the local server (never another host). */
export async function freshDatabase(adminUrl = ADMIN_URL, migrationsFolder?: string): Promise<{ url: string; handle: DbHandle; drop(): Promise<void> }> {
  assertLocalDatabase(adminUrl, "the reliability suite");
  const name = `credits_rel_${randomBytes(4).toString("hex")}`;
  const sql = postgres(directUrlFor(adminUrl) ?? adminUrl, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database ${name}`);
  await sql.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openPostgres(url.toString(), 10, poolerOptions(url));
  // Migrations go to the primary itself.
  const direct = directUrlFor(url);
  const migrator = direct ? await openPostgres(direct, 1) : handle;
  await migrateDb(migrator, migrationsFolder);
  if (migrator !== handle) await migrator.close();
  await seedCatalog(handle.db);
  // The invariant check after each test (setup.ts) reads it too, while it is open.
  openTestDbs.add(handle);
  const close = handle.close;
  handle.close = () => (openTestDbs.delete(handle), close());
  return {
    url: url.toString(),
    handle,
    async drop() {
      openTestDbs.delete(handle);
      await handle.close();
      const s = postgres(directUrlFor(adminUrl) ?? adminUrl, { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists ${name} with (force)`);
      await s.end();
    },
  };
}

export interface AppServer {
  base: string;
  secret: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** `next start` (the production build) on a free port against `databaseUrl`. */
export async function startServer(databaseUrl: string, port: number, extraEnv: Record<string, string> = {}, nodeArgs: string[] = []): Promise<AppServer> {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) throw new Error("No production build: run `npm run build` before the reliability suite.");
  const secret = randomBytes(32).toString("base64url");
  const base = `http://127.0.0.1:${port}`;
  let log = "";
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl, ...(directUrlFor(databaseUrl) ? { DATABASE_DIRECT_URL: directUrlFor(databaseUrl)! } : {}), AUTH_SECRET: secret, NEXTAUTH_URL: base, DATABASE_POOL_MAX: "20", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log}`);
    try {
      const res = await fetch(`${base}/sign-in`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start within 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    secret,
    process: child,
    output: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Signs in through next-auth's own endpoints and returns the cookie header of the session. */
export async function signInOverHttp(base: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrfRes = await fetch(`${base}/api/auth/csrf`);
  keep(csrfRes);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  keep(res);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`sign-in as ${email} failed (${res.status})`);
  return cookie();
}

/** Signs out through next-auth's endpoint with that session's cookie; returns the status. */
export async function signOutOverHttp(base: string, cookie: string): Promise<number> {
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const out = await fetch(`${base}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: [cookie, csrfCookie].filter(Boolean).join("; ") },
    body: new URLSearchParams({ csrfToken, json: "true" }),
  });
  return out.status;
}

export async function postUsage(base: string, key: string, idempotencyKey: string, body: unknown, signal?: AbortSignal) {
  const res = await fetch(`${base}/api/v1/usage`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "idempotency-key": idempotencyKey, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
