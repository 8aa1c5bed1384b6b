import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appKeys, apps, signInFailures, users } from "@/db/schema";
import { seedDemoIfEmpty } from "@/lib/demo-data";
import { createAppKey } from "@/lib/apps/keys";
import { MAX_FAILURES_PER_EMAIL } from "@/lib/auth/rate-limit";
import { freshDatabase, ROOT, signInOverHttp, startServer, type AppServer } from "./server";

let db: Awaited<ReturnType<typeof freshDatabase>>;
let server: AppServer;

beforeAll(async () => {
  db = await freshDatabase();
  await seedDemoIfEmpty(db.handle.db, new Date());
  server = await startServer(db.url, 3712);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe("security basics", () => {
  it("sets the security headers on pages and API answers", async () => {
    for (const url of ["/sign-in", "/api/v1/balance"]) {
      const res = await fetch(server.base + url);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toContain("unsafe-eval");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-powered-by")).toBeNull();
    }
  });

  it("ships no secret and no server-only code to the browser", () => {
    const bundle = files(path.join(ROOT, ".next", "static")).filter((f) => f.endsWith(".js"));
    expect(bundle.length).toBeGreaterThan(5);
    const text = bundle.map((f) => readFileSync(f, "utf8")).join("\n");
    for (const marker of ["password_hash", "passwordHash", "key_hash", "AUTH_SECRET", "DATABASE_URL", "postgres://", "credits-demo", "timingSafeEqual", server.secret]) {
      expect(text.includes(marker), `client bundle contains ${marker}`).toBe(false);
    }
  });

  it("stores passwords with scrypt (N=16384) and never in clear", async () => {
    const rows = await db.handle.db.select({ hash: users.passwordHash }).from(users);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{80,}$/);
      expect(r.hash).not.toContain("credits-demo");
    }
  });

  it("stores app keys as SHA-256 only", async () => {
    const [app] = await db.handle.db.select().from(apps).where(eq(apps.name, "Storefront"));
    const { key } = await createAppKey(db.handle.db, app!.id, null, new Date());
    const dump = JSON.stringify(await db.handle.db.select().from(appKeys));
    expect(dump).not.toContain(key);
    const [row] = await db.handle.db.select().from(appKeys).where(eq(appKeys.keyHash, createHash("sha256").update(key).digest("hex")));
    expect(row?.prefix).toBe(key.slice(0, 10));
    const ok = await fetch(`${server.base}/api/v1/balance`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    const wrong = await fetch(`${server.base}/api/v1/balance`, { headers: { authorization: `Bearer ${key.slice(0, -1)}x` } });
    expect(wrong.status).toBe(401);
  });

  it("rate-limits sign-in: after 10 failures even the right password is refused for a while", async () => {
    const attempt = async (password: string) => {
      const csrf = await fetch(`${server.base}/api/auth/csrf`);
      const cookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      const res = await fetch(`${server.base}/api/auth/callback/credentials`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({ csrfToken, email: "grace@example.com", password, json: "true" }),
      });
      return { signedIn: res.headers.getSetCookie().some((c) => c.includes("session-token=")), body: await res.text() };
    };
    expect((await attempt("credits-demo")).signedIn).toBe(true);
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) expect((await attempt(`wrong-${i}`)).signedIn).toBe(false);
    const blocked = await attempt("credits-demo");
    expect(blocked.signedIn).toBe(false);
    expect(blocked.body).toContain("RateLimited");
    const [n] = await db.handle.db.select({ n: count() }).from(signInFailures).where(eq(signInFailures.email, "grace@example.com"));
    expect(n!.n).toBe(MAX_FAILURES_PER_EMAIL);
    // Other people are not affected.
    expect(await signInOverHttp(server.base, "ken@example.com", "credits-demo")).toContain("session-token");
  });
});
