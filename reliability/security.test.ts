import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appKeys, apps, signInFailures, users } from "@/db/schema";
import { seedDemoIfEmpty } from "@/lib/demo-data";
import { createAppKey } from "@/lib/apps/keys";
import { MAX_FAILURES_PER_EMAIL_AND_ADDRESS } from "@/lib/auth/rate-limit";
import { freshDatabase, ROOT, signInOverHttp, signOutOverHttp, startServer, type AppServer } from "@/tests/support/server";

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
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL_AND_ADDRESS; i++) expect((await attempt(`wrong-${i}`)).signedIn).toBe(false);
    const blocked = await attempt("credits-demo");
    expect(blocked.signedIn).toBe(false);
    expect(blocked.body).toContain("RateLimited");
    const [n] = await db.handle.db.select({ n: count() }).from(signInFailures).where(eq(signInFailures.email, "grace@example.com"));
    expect(n!.n).toBe(MAX_FAILURES_PER_EMAIL_AND_ADDRESS);
    // Other people are not affected.
    expect(await signInOverHttp(server.base, "ken@example.com", "credits-demo")).toContain("session-token");
  });

  it("40 wrong passwords at once for one email over HTTP: 10 are checked, the rest refused as rate-limited", async () => {
    const email = "linus@example.com";
    const tries = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const csrf = await fetch(`${server.base}/api/auth/csrf`);
        const cookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
        const { csrfToken } = (await csrf.json()) as { csrfToken: string };
        const res = await fetch(`${server.base}/api/auth/callback/credentials`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie },
          body: new URLSearchParams({ csrfToken, email, password: `wrong-${i}`, json: "true" }),
        });
        return res.text();
      }),
    );
    const [n] = await db.handle.db.select({ n: count() }).from(signInFailures).where(eq(signInFailures.email, email));
    expect(n!.n).toBe(MAX_FAILURES_PER_EMAIL_AND_ADDRESS);
    expect(tries.filter((t) => t.includes("RateLimited"))).toHaveLength(40 - MAX_FAILURES_PER_EMAIL_AND_ADDRESS);
  });

  it("signing out ends the session on the server: a copied cookie stops working", async () => {
    const cookie = await signInOverHttp(server.base, "ada@example.com", "credits-demo");
    expect((await fetch(`${server.base}/api/v1/balance`, { headers: { cookie } })).status).toBe(200);
    expect(await signOutOverHttp(server.base, cookie)).toBeLessThan(400);
    // The copy kept before signing out is refused now, by the API and by the pages.
    const after = await fetch(`${server.base}/api/v1/balance`, { headers: { cookie } });
    expect(after.status).toBe(401);
    const page = await fetch(`${server.base}/settings/workspace`, { headers: { cookie }, redirect: "manual" });
    expect([302, 303, 307, 308]).toContain(page.status);
    expect(page.headers.get("location") ?? "").toContain("/sign-in");
  });

  it("an events stream opened before signing out ends within seconds of it", async () => {
    const cookie = await signInOverHttp(server.base, "ada@example.com", "credits-demo");
    const stream = await fetch(`${server.base}/api/events`, { headers: { cookie } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    expect(text).toContain("retry:");
    expect(await signOutOverHttp(server.base, cookie)).toBeLessThan(400);
    const signedOutAt = Date.now();
    // Read until the server ends the stream (or give up after 10 s: then the test fails).
    const ended = await Promise.race([
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return true;
          text += decoder.decode(value);
        }
      })(),
      new Promise<false>((r) => setTimeout(() => r(false), 10_000)),
    ]);
    expect(ended).toBe(true);
    expect(Date.now() - signedOutAt).toBeLessThan(6_000);
    expect(text).toContain("event: signed-out");
  });

  it("a server action whose Origin matches only a forged X-Forwarded-Host is refused", async () => {
    const cookie = await signInOverHttp(server.base, "ken@example.com", "credits-demo");
    const forged = await fetch(`${server.base}/settings/members`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: "http://evil.example", "x-forwarded-host": "evil.example", "next-action": "0".repeat(40), "content-type": "text/plain;charset=UTF-8" },
      body: "[]",
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("sent from another site");
  });

  it("every answer of the API that is not 2xx is JSON, 405 and 404 included", async () => {
    for (const [method, path, status] of [
      ["GET", "/api/v1/usage", 405],
      ["DELETE", "/api/v1/usage", 405],
      ["POST", "/api/v1/balance", 405],
      ["OPTIONS", "/api/v1/usage", 405],
      ["OPTIONS", "/api/v1/balance", 405],
      ["GET", "/api/v1/nothing-here", 404],
      ["POST", "/api/v1/usage/extra", 404],
    ] as const) {
      const res = await fetch(server.base + path, { method });
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.headers.get("content-type"), `${method} ${path}`).toContain("application/json");
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(status === 405 ? "method_not_allowed" : "not_found");
      // The Allow of lib/api/http.ts allowedMethods: HEAD comes with GET.
      if (status === 405) expect(res.headers.get("allow")).toBe(path.includes("usage") ? "POST" : "GET, HEAD");
    }
  });
});
