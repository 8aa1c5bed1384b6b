import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apps, planChanges, workspaces } from "@/db/schema";
import { seedDemoIfEmpty } from "@/lib/demo-data";
import { createAppKey } from "@/lib/apps/keys";
import { createApp } from "@/lib/apps/apps";
import { createUser } from "@/lib/auth/users";
import { freshDatabase, signInOverHttp, startServer, type AppServer } from "@/tests/support/server";

// Every route, as each kind of caller: allowed or refused exactly as DESIGN says.
let db: Awaited<ReturnType<typeof freshDatabase>>;
let server: AppServer;
type Who = "signed out" | "outsider" | "member" | "admin" | "owner" | "other key";
const cookies: Partial<Record<Who, string>> = {};
let acmeId: string;
let storefrontId: string;
let otherKey: string;
let acmeDecisionId: string;

beforeAll(async () => {
  db = await freshDatabase();
  const now = new Date();
  await seedDemoIfEmpty(db.handle.db, now);
  const { user: outsider, workspace } = await createUser(db.handle.db, { name: "Olga Outsider", email: "olga@example.com", password: "outsider-pass" }, now);
  const elsewhere = await createApp(db.handle.db, { workspaceId: workspace.id, userId: outsider.id, name: "Elsewhere" }, now);
  otherKey = (await createAppKey(db.handle.db, elsewhere.id, outsider.id, now)).key;
  acmeId = (await db.handle.db.select().from(workspaces).where(eq(workspaces.name, "Acme")))[0]!.id;
  storefrontId = (await db.handle.db.select().from(apps).where(eq(apps.name, "Storefront")))[0]!.id;
  acmeDecisionId = (await db.handle.db.select().from(planChanges).where(eq(planChanges.workspaceId, acmeId)))[0]!.id;
  server = await startServer(db.url, 3713);
  cookies.outsider = await signInOverHttp(server.base, "olga@example.com", "outsider-pass");
  cookies.member = await signInOverHttp(server.base, "linus@example.com", "credits-demo");
  cookies.admin = await signInOverHttp(server.base, "grace@example.com", "credits-demo");
  cookies.owner = await signInOverHttp(server.base, "ada@example.com", "credits-demo");
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const everyone: Who[] = ["signed out", "outsider", "member", "admin", "owner", "other key"];

function request(who: Who, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (cookies[who]) headers.set("cookie", cookies[who]!);
  if (who === "other key") headers.set("authorization", `Bearer ${otherKey}`);
  return fetch(server.base + path, { ...init, headers, redirect: "manual" });
}

describe("pages", () => {
  const pages = ["/", "/settings/workspace", "/settings/billing", "/settings/members", "/settings/audit-log", "/settings/api-keys", "/help"];
  it.each(everyone)("as %s", async (who) => {
    for (const p of pages) {
      const res = await request(who, p);
      if (who === "signed out" || who === "other key") {
        expect([307, 308], p).toContain(res.status);
        expect(res.headers.get("location"), p).toMatch(/\/sign-in$/);
      } else {
        expect(res.status, p).toBe(200);
        const html = await res.text();
        // Each person sees their own workspace, never another tenant's.
        if (who === "outsider") expect(html.includes("Acme"), p).toBe(false);
        // Members are told the audit log is not theirs; the outsider owns their own workspace.
        if (p === "/settings/audit-log") expect(html.includes("Only the workspace owner and admins can see the audit log."), p).toBe(who === "member");
      }
    }
  });

  it.each(everyone)("the Storefront editor as %s", async (who) => {
    const res = await request(who, `/apps/${storefrontId}/editor`);
    const expected = { "signed out": 307, "other key": 307, outsider: 404, member: 200, admin: 200, owner: 200 }[who];
    expect(res.status).toBe(expected);
  });
});

describe("payment routes", () => {
  // Confirming a payment with the bank (and coming back from it) is the owner's alone.
  it.each(everyone)("Confirm payment of an Acme decision, and its return, as %s", async (who) => {
    for (const path of [`/settings/billing/confirm/${acmeDecisionId}`, `/settings/billing/confirm/${acmeDecisionId}/done`]) {
      const res = await request(who, path);
      const expected = { "signed out": 401, "other key": 401, outsider: 404, member: 403, admin: 403, owner: 303 }[who];
      expect({ path, status: res.status }).toEqual({ path, status: expected });
    }
  });
});

describe("API routes", () => {
  it.each(everyone)("GET /api/v1/balance?workspace=Acme as %s", async (who) => {
    const res = await request(who, `/api/v1/balance?workspace=${acmeId}`);
    const body = await res.json();
    const expected = { "signed out": 401, outsider: 404, member: 200, admin: 200, owner: 200, "other key": 200 }[who];
    expect(res.status).toBe(expected);
    if (who === "other key") {
      // A key answers for its own app's owner only, whatever workspace is asked for.
      expect(Object.keys(body)).toEqual(["integration"]);
      expect(body.integration.allowance).toBe(25);
    }
    if (["member", "admin", "owner"].includes(who)) expect(body.workspaceId).toBe(acmeId);
  });

  it.each(everyone)("POST /api/v1/usage as %s", async (who) => {
    const res = await request(who, "/api/v1/usage", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `authz-${who}` },
      body: JSON.stringify({ action: "integration.llm" }),
    });
    // A browser session is not an app key: only a key may meter usage, and only for its own app.
    expect(res.status).toBe(who === "other key" ? 201 : 401);
    if (who === "other key") expect((await res.json()).event.appId).not.toBe(storefrontId);
  });

  it.each(everyone)("GET /api/notifications as %s", async (who) => {
    const res = await request(who, "/api/notifications");
    expect(res.status).toBe(who === "signed out" || who === "other key" ? 401 : 200);
  });

  it.each(everyone)("GET the activity CSV as %s", async (who) => {
    const res = await request(who, "/settings/workspace/activity.csv");
    if (who === "signed out" || who === "other key") return expect(res.status).toBe(401);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\r\n");
    const header = lines[0]!.split(",");
    const rows = lines.slice(1).map((l) => l.split(","));
    const actor = header.indexOf("actor");
    const paidBy = header.indexOf("paid_by");
    expect([actor, paidBy].every((i) => i > 0)).toBe(true);
    if (who === "outsider") expect(rows.every((r) => !r.includes("Storefront") && !r.includes("Helpdesk"))).toBe(true);
    if (who === "member") expect(rows.every((r) => r[actor] === "Linus Torvalds" || r[paidBy] === "Linus Torvalds")).toBe(true);
    if (who === "owner" || who === "admin") expect(new Set(rows.map((r) => r[paidBy])).size).toBeGreaterThan(2);
  });
});
