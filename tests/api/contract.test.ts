import { eq } from "drizzle-orm";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { appKeys, apps } from "@/db/schema";
import type { SessionUser } from "@/lib/auth/session";
import { createAppKey, revokeAppKey } from "@/lib/apps/keys";
import { credits } from "@/lib/credits/amounts";
import { setMemberLimits } from "@/lib/billing/pools/member-limits";
import { startPool } from "@/lib/billing/pools/start-pool";
import { askForCredits } from "@/lib/billing/requests/credit-requests";
import { makeApp, makeUser, makeWorkspace, team } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { API_METHODS } from "@/lib/api/http";
import { openApiDocument } from "@/lib/api/openapi";
import { answerFromLedger, postUsageBatch, type MeteringProgress } from "@/lib/api/usage";

// The contract: every answer the routes give, called in-process as Next.js calls them, checked
// against GET /api/v1/openapi.json — its status declared for that path and method, its content
// type, its body valid against the declared schema (closed objects: an undeclared field fails),
// its declared headers there. Only where the session and the database come from is replaced.
// The metering rate limit (requests a minute per key and process) is read once, at the first
// metering request: low enough here to reach, high enough for every other case of this file.
const RATE_LIMIT = 200;
process.env.METERING_RATE_LIMIT = String(RATE_LIMIT);
const state = vi.hoisted(() => ({ user: null as SessionUser | null, db: null as unknown, fail: null as Error | null }));
vi.mock("@/lib/db", async (original) => ({ ...(await original<typeof import("@/lib/db")>()), getDb: async () => (state.fail ? Promise.reject(state.fail) : state.db) }));
vi.mock("@/lib/auth/session", async (original) => ({ ...(await original<typeof import("@/lib/auth/session")>()), getSessionUser: async () => state.user }));
vi.mock("next/headers", () => ({ cookies: async () => ({ get: () => undefined, set: () => {} }) }));

type Handler = (req: Request) => Promise<Response> | Response;
const routes: Record<string, Record<string, Handler>> = {
  "/api/v1/usage": await import("@/app/api/v1/usage/route"),
  "/api/v1/usage/batch": await import("@/app/api/v1/usage/batch/route"),
  "/api/v1/balance": await import("@/app/api/v1/balance/route"),
  "/api/v1/workspace/credits": await import("@/app/api/v1/workspace/credits/route"),
  "/api/v1/openapi.json": await import("@/app/api/v1/openapi.json/route"),
};
const otherPaths: Record<string, Handler> = await import("@/app/api/v1/[...path]/route");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document and the answers are walked as plain JSON
type Json = Record<string, any>;
const doc = openApiDocument() as Json;
const DOC = "https://credits.test/openapi.json";
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
// The whole document as one schema, so that its answers' $refs (#/components/schemas/…) resolve;
// its own fields are no keywords (strict mode still refuses an unknown one inside a schema).
ajv.addVocabulary(Object.keys(doc));
ajv.addSchema(doc, DOC);
const pointer = (...parts: string[]) => "#/" + parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
function validate(at: string, value: unknown, what: string) {
  const check = ajv.getSchema(DOC + at)!;
  if (!check(value)) throw new Error(`${what} does not match ${at}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(value).slice(0, 600)}`);
}

/** Every (path, method, status) answered, and every batch entry's status: what was covered. */
const seen = new Map<string, number>();
const note = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);

interface Call {
  key?: string | null;
  idem?: string;
  body?: unknown;
  raw?: string;
  type?: string;
  query?: string;
}
async function call(method: string, path: string, opts: Call = {}) {
  const headers: Record<string, string> = {};
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.idem !== undefined) headers["idempotency-key"] = opts.idem;
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined) headers["content-type"] = opts.type ?? "application/json";
  const url = `http://localhost${path}${opts.query ?? ""}`;
  const handler = (routes[path] ?? otherPaths)[method]!;
  const res = await handler(new Request(url, { method, headers, body }));
  const text = await res.text();
  const what = `${method} ${url} (${res.status})`;
  const type = res.headers.get("content-type")?.split(";")[0]?.trim();
  if (!routes[path]) {
    // Any other path under /api/v1 is outside the documented paths: the info says it is a 404 Error.
    expect(res.status, what).toBe(404);
    expect(type, what).toBe("application/json");
    validate(pointer("components", "schemas", "Error"), JSON.parse(text), what);
    note(`${method} (other path) 404`);
    return { status: res.status, body: JSON.parse(text) as Json, headers: res.headers };
  }
  const declared = doc.paths[path]?.[method.toLowerCase()]?.responses?.[res.status] as Json | undefined;
  expect(declared, `${what} is not declared: ${text.slice(0, 300)}`).toBeDefined();
  const at = (...more: string[]) => pointer("paths", path, method.toLowerCase(), "responses", String(res.status), ...more);
  for (const [name, header] of Object.entries((declared!.headers ?? {}) as Json)) {
    const value = res.headers.get(name);
    if (header.required) expect(value, `${what}: header ${name}`).not.toBeNull();
    if (value !== null) validate(at("headers", name, "schema"), value, `${what}: header ${name}`);
  }
  note(`${method} ${path} ${res.status}`);
  // HEAD: the server sends the headers only (the document declares no body for it).
  if (method === "HEAD" || !declared!.content) {
    expect(declared!.content, what).toBeUndefined();
    return { status: res.status, body: {} as Json, headers: res.headers };
  }
  expect(Object.keys(declared!.content), `${what}: content type`).toContain(type);
  const json = JSON.parse(text) as Json;
  validate(at("content", type!, "schema"), json, what);
  for (const r of json.results ?? []) note(`batch entry ${r.status}${r.error ? ` ${r.error.code}` : ""}`);
  return { status: res.status, body: json, headers: res.headers };
}
/** GET, and HEAD with the same request: HEAD answers as GET does. */
async function get(path: string, opts: Call = {}) {
  const r = await call("GET", path, opts);
  expect((await call("HEAD", path, opts)).status).toBe(r.status);
  return r;
}

let h: DbHandle & { cleanup(): Promise<void> };
const now = new Date();
const joined = new Date("2026-01-01T00:00:00Z");
let seats: Awaited<ReturnType<typeof team>>;
let key: string;
let capKey: string;
const pool = {} as { ws: { id: string }; admin: SessionUser; member: SessionUser; key: string };
beforeAll(async () => {
  h = await createTestDb();
  state.db = h.db;
  // Seats: Ada (owner, Starter seat) and her app; a second app with a cap of 5 credits a cycle.
  seats = await team(h.db, { anchor: new Date("2026-01-05T09:00:00.000Z"), joined });
  key = (await createAppKey(h.db, seats.app.id, seats.ada.id, now)).key;
  const capped = await makeApp(h.db, seats.ws, seats.ada, "Capped");
  await h.db.update(apps).set({ integrationCap: credits(5) }).where(eq(apps.id, capped.id));
  capKey = (await createAppKey(h.db, capped.id, seats.ada.id, now)).key;
  // A shared pool: an owner, an admin, a member with a limit of their own and a request for more.
  const [owner, admin, member] = await Promise.all(["Olga", "Ali", "Mo"].map((n) => makeUser(h.db, n, joined)));
  const ws = await makeWorkspace(h.db, owner!, { billingAnchor: new Date("2026-01-05T09:00:00.000Z"), members: [{ id: admin!.id, role: "admin" }, { id: member!.id }] });
  await startPool(h.db, { workspaceId: ws.id, planId: "builder", byUserId: owner!.id }, now);
  await setMemberLimits(h.db, { workspaceId: ws.id, byUserId: owner!.id, member: { userId: member!.id, limit: credits(30) } }, now);
  await askForCredits(h.db, { workspaceId: ws.id, userId: member!.id, kind: "message" }, now);
  Object.assign(pool, { ws, admin, member, key: (await createAppKey(h.db, (await makeApp(h.db, ws, member!, "Kiosk")).id, member!.id, now)).key });
});
afterAll(async () => h?.cleanup());
beforeEach(() => {
  state.user = null;
  state.fail = null;
});

const idem = () => `contract-${crypto.randomUUID()}`;
const llm = (quantity = 1) => ({ action: "integration.llm", quantity });

describe("POST /api/v1/usage answers as documented", () => {
  it("201, 200 replay, 402 insufficient_credits and app_cap_reached, 409", async () => {
    const k = idem();
    expect((await call("POST", "/api/v1/usage", { key, idem: k, body: llm(2) })).status).toBe(201);
    expect((await call("POST", "/api/v1/usage", { key, idem: k, body: llm(2) })).status).toBe(200);
    expect((await call("POST", "/api/v1/usage", { key, idem: k, body: llm(3) })).status).toBe(409);
    const poor = await call("POST", "/api/v1/usage", { key, idem: idem(), body: llm(1_000_000) });
    expect(poor.body.error).toMatchObject({ code: "insufficient_credits", kind: "integration" });
    const capped = await call("POST", "/api/v1/usage", { key: capKey, idem: idem(), body: llm(6) });
    expect(capped.body.error).toMatchObject({ code: "app_cap_reached" });
    // A refusal replayed: 402 again, with Idempotent-Replayed.
    const r = idem();
    await call("POST", "/api/v1/usage", { key: capKey, idem: r, body: llm(6) });
    expect((await call("POST", "/api/v1/usage", { key: capKey, idem: r, body: llm(6) })).status).toBe(402);
    expect((await call("POST", "/api/v1/usage", { key: pool.key, idem: idem(), body: llm() })).status).toBe(201);
  });

  it("400, 401, 413, 415", async () => {
    for (const [opts, status] of [
      [{ key, idem: idem(), body: { action: "integration.teleport" } }, 400],
      [{ key, idem: idem(), body: { ...llm(), extra: 1 } }, 400],
      [{ key, idem: idem(), body: llm(0) }, 400],
      [{ key, idem: idem(), raw: '{"action":' }, 400],
      [{ key, body: llm() }, 400],
      [{ key, idem: "k".repeat(201), body: llm() }, 400],
      [{ idem: idem(), body: llm() }, 401],
      [{ key: "ck_wrong", idem: idem(), body: llm() }, 401],
      [{ key, idem: idem(), raw: JSON.stringify({ ...llm(), pad: "x".repeat(20_000) }) }, 413],
      [{ key, idem: idem(), raw: "action=integration.llm", type: "text/plain" }, 415],
    ] as const) {
      expect((await call("POST", "/api/v1/usage", opts)).status, JSON.stringify(opts).slice(0, 80)).toBe(status);
    }
  });
});

describe("the metering rate limit, at the door", () => {
  it("a key past its requests a minute gets 429 with Retry-After, on usage and batch alike, and nothing is charged", async () => {
    // An unknown key is counted too (by the hash of what was presented): no database work for a flood.
    const flood = `ck_flood_${idem()}`;
    for (let i = 0; i < RATE_LIMIT; i++) expect((await call("POST", "/api/v1/usage", { key: flood, idem: idem(), body: llm() })).status).toBe(401);
    const limited = await call("POST", "/api/v1/usage", { key: flood, idem: idem(), body: llm() });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await call("POST", "/api/v1/usage/batch", { key: flood, body: { events: [{ idempotencyKey: idem(), ...llm() }] } })).status).toBe(429);
  });
});

describe("POST /api/v1/usage/batch answers as documented", () => {
  it("200 with 201, 200, 400, 402 and 409 entries side by side; 400, 401, 413, 415 whole", async () => {
    const [a, b] = [idem(), idem()];
    const mixed = await call("POST", "/api/v1/usage/batch", {
      key,
      body: { events: [{ idempotencyKey: a, ...llm() }, { idempotencyKey: b, ...llm(2) }, { idempotencyKey: a, ...llm() }, { idempotencyKey: idem(), action: "message.discuss" }, { idempotencyKey: a, ...llm(3) }, { idempotencyKey: idem(), ...llm(1_000_000) }] },
    });
    expect(mixed.body.results.map((r: Json) => r.status)).toEqual([201, 201, 200, 400, 409, 402]);
    const capped = await call("POST", "/api/v1/usage/batch", { key: capKey, body: { events: [{ idempotencyKey: idem(), ...llm(6) }] } });
    expect(capped.body.results[0].error.code).toBe("app_cap_reached");
    for (const [opts, status] of [
      [{ key, body: { events: [] } }, 400],
      [{ key, body: { events: [{ idempotencyKey: idem(), ...llm() }], extra: 1 } }, 400],
      [{ key, raw: "{" }, 400],
      [{ key: "ck_wrong", body: { events: [] } }, 401],
      [{ key, raw: JSON.stringify({ events: [{ idempotencyKey: "z".repeat(300_000), ...llm() }] }) }, 413],
      [{ key, raw: "events", type: "text/plain" }, 415],
    ] as const) {
      expect((await call("POST", "/api/v1/usage/batch", opts)).status).toBe(status);
    }
  });

  it("an event whose key was revoked since the (cached) lookup is its own 401; a revoked key is a whole 401", async () => {
    const app = await makeApp(h.db, seats.ws, seats.ada, "Revoked soon");
    const made = await createAppKey(h.db, app.id, seats.ada.id, now);
    expect((await call("POST", "/api/v1/usage/batch", { key: made.key, body: { events: [{ idempotencyKey: idem(), ...llm() }] } })).status).toBe(200);
    // Revoked in the database behind the key cache's back (another process did it).
    const clock = vi.spyOn(Date, "now").mockReturnValue(Date.now());
    try {
      await h.db.update(appKeys).set({ revokedAt: now }).where(eq(appKeys.id, made.id));
      const late = await call("POST", "/api/v1/usage/batch", { key: made.key, body: { events: [{ idempotencyKey: idem(), ...llm() }] } });
      expect(late.body.results.map((r: Json) => r.status)).toEqual([401]);
      expect((await call("POST", "/api/v1/usage", { key: made.key, idem: idem(), body: llm() })).status).toBe(401);
    } finally {
      clock.mockRestore();
    }
    await revokeAppKey(h.db, { keyId: made.id, byUserId: null }, now);
    expect((await call("POST", "/api/v1/usage/batch", { key: made.key, body: { events: [] } })).status).toBe(401);
  });

  it("past the backstop, the ledger's answer: replays and 503 not_reached entries", async () => {
    const events = [{ idempotencyKey: idem(), ...llm() }, { idempotencyKey: idem(), ...llm() }];
    await call("POST", "/api/v1/usage/batch", { key, body: { events: events.slice(0, 1) } });
    const progress: MeteringProgress = {};
    const req = new Request("http://localhost/api/v1/usage/batch", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ events }) });
    expect((await postUsageBatch(h.db, req, now, new Date(Date.now() - 1), progress)).status).toBe(503);
    // What apiRoute answers with when the backstop fires (lib/api/route.ts meteringRoute).
    const res = await answerFromLedger(h.db, progress);
    const body = (await res.json()) as Json;
    validate(pointer("paths", "/api/v1/usage/batch", "post", "responses", String(res.status), "content", "application/json", "schema"), body, "the backstop's answer");
    expect(body.results.map((r: Json) => r.status)).toEqual([200, 503]);
    for (const r of body.results) note(`batch entry ${r.status}${r.error ? ` ${r.error.code}` : ""}`);
  });
});

describe("the balances answer as documented", () => {
  it("GET /api/v1/balance: app key, signed in on a seat, without one, in a pool; 401, 404", async () => {
    expect((await get("/api/v1/balance", { key })).body).toHaveProperty("integration.forecast");
    expect((await get("/api/v1/balance", { key: pool.key })).status).toBe(200);
    expect((await get("/api/v1/balance", { key: "ck_wrong" })).status).toBe(401);
    expect((await get("/api/v1/balance")).status).toBe(401);
    for (const [user, accountType] of [[seats.ada, "seat"], [seats.ken, "free"], [pool.member, "pool"], [pool.admin, "pool"]] as const) {
      state.user = user;
      expect((await get("/api/v1/balance")).body.accountType).toBe(accountType);
    }
    state.user = pool.member;
    expect((await get("/api/v1/balance")).body).toMatchObject({ workspaceId: pool.ws.id, limit: { limit: 30 }, request: { status: "open", kind: "message" } });
    expect((await get("/api/v1/balance", { query: `?workspace=${seats.ws.id}` })).status).toBe(404);
  });

  it("GET /api/v1/workspace/credits: 200 for the pool's admin, 403 for a member, 409 on seats, 401, 404", async () => {
    state.user = pool.admin;
    expect((await get("/api/v1/workspace/credits")).body.memberAllocations).toHaveLength(3);
    expect((await get("/api/v1/workspace/credits", { query: `?workspace=${seats.ws.id}` })).status).toBe(404);
    state.user = pool.member;
    expect((await get("/api/v1/workspace/credits")).status).toBe(403);
    state.user = seats.ada;
    expect((await get("/api/v1/workspace/credits")).status).toBe(409);
    state.user = null;
    expect((await get("/api/v1/workspace/credits")).status).toBe(401);
  });

  it("GET /api/v1/openapi.json: the document", async () => {
    expect((await get("/api/v1/openapi.json")).body).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

describe("every path answers as documented whatever the method", () => {
  it("each other method (OPTIONS too) is a 405 with Allow; any other path under /api/v1 is a 404", async () => {
    for (const path of Object.keys(routes)) {
      for (const method of API_METHODS.filter((m) => doc.paths[path][m.toLowerCase()].responses["405"])) {
        const r = await call(method, path, { key, body: method === "GET" || method === "HEAD" ? undefined : llm() });
        expect(r.status, `${method} ${path}`).toBe(405);
      }
    }
    for (const method of API_METHODS) {
      for (const path of ["/api/v1/nothing-here", "/api/v1/usage/extra"]) await call(method, path, { body: method === "GET" || method === "HEAD" ? undefined : {} });
    }
  });

  it("500 and 503 when the database fails, on every path's own methods", async () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      for (const [fail, status] of [[Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), 503], [new Error("a bug"), 500]] as const) {
        state.fail = fail;
        expect((await call("POST", "/api/v1/usage", { key, idem: idem(), body: llm() })).status).toBe(status);
        expect((await call("POST", "/api/v1/usage/batch", { key, body: { events: [{ idempotencyKey: idem(), ...llm() }] } })).status).toBe(status);
        for (const path of ["/api/v1/balance", "/api/v1/workspace/credits", "/api/v1/openapi.json"]) expect((await get(path, { key })).status).toBe(status);
      }
    } finally {
      quiet.mockRestore();
    }
  });

  // Last: it reads what the tests above recorded.
  it("every status the document declares was answered at least once (and every batch entry's)", () => {
    const declared = Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.entries(item as Json).flatMap(([method, op]) => Object.keys(op.responses).map((s) => `${method.toUpperCase()} ${path} ${s}`)));
    expect(declared.filter((d) => !seen.has(d))).toEqual([]);
    const entries = new Set([...seen.keys()].filter((k) => k.startsWith("batch entry")).map((k) => Number(k.split(" ")[2])));
    expect([...entries].sort()).toEqual([200, 201, 400, 401, 402, 409, 503]);
  });
});
