import { z } from "zod";
import { INTEGRATION_ACTIONS } from "@/lib/credits/costs";
import { MAX_KEY_LENGTH } from "@/lib/credits/debit";
import { allowedMethods, MAX_BODY_BYTES, type ApiMethod } from "./http";
import { batchBody, batchEvent, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, usageBody } from "./usage";

/**
 * The OpenAPI 3.1 description of the metering API. Request bodies come from the very zod
 * schemas that validate requests (zod's own JSON Schema output), so the description cannot
 * drift from what the API accepts; answers are described with schemas of the same kind, each a
 * named component, closed (no field beyond those listed), so that an answer with a field the
 * document does not declare fails tests/api/contract.test.ts, which checks real answers against it.
 */
const schema = (s: z.ZodType) => {
  const out = z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete out.$schema; // the document says which dialect once, for all
  return out;
};

// The answers' shapes: components.schemas, referenced wherever they are used.
const components = z.registry<{ id: string }>();
const named = <T extends z.ZodType>(id: string, s: T): T => {
  components.add(s, { id });
  return s;
};
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

const balance = named(
  "Balance",
  z.object({
    allowance: z.number().describe("This cycle's allowance, in credits"),
    used: z.number(),
    remaining: z.number().describe("What is left of the allowance"),
    cycleStart: z.iso.datetime(),
    cycleEnd: z.iso.datetime().describe("When the allowance resets"),
    topUp: z.object({ remaining: z.number().describe("Top-up credits usable now"), nextExpiresAt: z.iso.datetime().nullable() }),
    available: z.number().describe("remaining + topUp.remaining: what a charge can use now"),
  }),
);
const forecast = named(
  "Forecast",
  z.object({
    runsOutAt: z.iso.datetime().nullable().describe("When `available` runs out at the recent pace, if before the reset; null: it lasts until the reset (or there was no recent use)"),
    basis: z.object({ windowDays: z.number().int().describe("The days of usage the pace is taken from"), perDay: z.number().describe("Credits a day over that window") }),
  }),
);
const forecastBalance = named("ForecastBalance", balance.extend({ forecast }).describe("A balance with its forecast (GET /api/v1/balance)"));
const event = named(
  "Event",
  z.object({
    id: z.number().int(),
    action: z.enum(INTEGRATION_ACTIONS as [string, ...string[]]),
    quantity: z.number().int(),
    amount: z.number().describe("Credits charged"),
    kind: z.literal("integration"),
    outcome: z.literal("charged"),
    appId: z.uuid(),
    createdAt: z.iso.datetime(),
  }),
);
const errorDetail = named(
  "ErrorDetail",
  z.object({
    code: z.string().describe("invalid_request, invalid_json, missing_idempotency_key, invalid_idempotency_key, unauthorized, forbidden, not_found, method_not_allowed, idempotency_conflict, not_a_pool, payload_too_large, unsupported_media_type, service_unavailable, not_reached, internal_error, rate_limited"),
    message: z.string().describe("Written for the person who will read it"),
  }),
);
named("Error", z.object({ error: errorDetail }).describe("Every answer that is not 2xx (but a 402), and a 404 for any path under /api/v1 this document does not list"));
const refusalDetail = named(
  "RefusalDetail",
  z.object({
    code: z.enum(["insufficient_credits", "app_cap_reached"]),
    message: z.string(),
    kind: z.enum(["message", "integration"]).describe("The kind of credits the call needed (the API charges integration credits only)"),
    balance,
    resetsAt: z.iso.datetime().describe("When the allowance (or the app's cap) resets"),
    help: z.enum(["top_up_or_upgrade", "upgrade", "raise_app_cap"]).describe("What would let the call through"),
  }),
);
named("Refusal", z.object({ error: refusalDetail }).describe("Refused for credits: nothing was charged (the ledger records the refusal)"));
named("Charged", z.object({ event, balance }));
const batchResult = named(
  "BatchResult",
  z
    .union([
      z.object({ status: z.literal([201, 200]), event, balance }),
      z.object({ status: z.literal(402), error: refusalDetail }),
      z.object({ status: z.literal([400, 401, 409, 503]), error: errorDetail }),
    ])
    .describe("One event's answer, as POST /api/v1/usage would give it (503 not_reached: not charged before the deadline; send it again with its key)"),
);
named("BatchAnswer", z.object({ results: z.array(batchResult), balance }).describe("One result per event, in the order sent, and the balance after the batch"));
const allocation = named(
  "Allocation",
  z.object({
    limit: z.number().nullable().describe("The member's monthly message-credit limit in the pool; null: none (the owner is never limited)"),
    isDefault: z.boolean().describe("Whether the limit is the workspace's default rather than the member's own"),
    used: z.number().describe("Message credits the member used (or holds) this cycle"),
    remaining: z.number().nullable().describe("What is left of the limit; null without a limit"),
  }),
);
const memberAllocation = named("MemberAllocation", allocation.extend({ userId: z.uuid(), name: z.string(), role: z.enum(["owner", "admin", "member"]) }));
named(
  "WorkspaceCredits",
  z.object({
    workspaceId: z.uuid(),
    model: z.literal("pool"),
    planId: z.string().describe("The pool's plan: its credit level"),
    creditPool: z.object({ message: balance, integration: balance }),
    memberAllocations: z.array(memberAllocation),
  }),
);
named("AppKeyBalance", z.object({ integration: forecastBalance }).describe("With an app key: the app owner's integration credits (the shared pool's, on the pool model)"));
const creditRequest = named("CreditRequest", z.object({ status: z.enum(["open", "done", "declined"]), kind: z.enum(["message", "integration"]), createdAt: z.iso.datetime() }));
named(
  "MemberBalance",
  z
    .object({
      workspaceId: z.uuid().describe("The workspace the balances are in: the current one, or ?workspace="),
      accountType: z.enum(["seat", "free", "pool"]).describe("What pays for you here"),
      message: forecastBalance,
      integration: forecastBalance,
      limit: allocation.nullable().describe("In a shared pool: your own limit there; null without one"),
      request: creditRequest.nullable().describe("Your latest request for more credits here (30 days); null without one"),
    })
    .describe("Signed in: your message and integration credits in a workspace (a shared pool's, on the pool model)"),
);

function componentSchemas() {
  const { schemas } = z.toJSONSchema(components, { io: "output", unrepresentable: "any", uri: (id) => `#/components/schemas/${id}` });
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return schemas;
}

type Responses = Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
const answer = (description: string, body?: object, headers?: Record<string, unknown>) => ({ description, ...(headers && { headers }), ...(body && { content: { "application/json": { schema: body } } }) });
const replayed = (required: boolean) => ({ "Idempotent-Replayed": { description: "true: a replay of this Idempotency-Key, the first answer again", required, schema: { type: "string", const: "true" } } });
const failures = (retry: string): Responses => ({
  "500": answer(`Something failed on our side (internal_error). ${retry}`, ref("Error")),
  "503": answer(`The database could not answer in time (service_unavailable); nothing was changed. ${retry}`, ref("Error")),
});
const meteringErrors = (bad: string): Responses => ({
  "400": answer(bad, ref("Error")),
  "401": answer("Missing, wrong or revoked app key (unauthorized)", ref("Error")),
  "413": answer("Body too large (payload_too_large)", ref("Error")),
  "415": answer("Body not sent as JSON (unsupported_media_type)", ref("Error")),
  "429": answer("This app key sent more metering requests in a minute than the limit (rate_limited; METERING_RATE_LIMIT, per app process); nothing charged", ref("Error"), {
    "Retry-After": { description: "Seconds until the key may send again", required: true, schema: { type: "string", pattern: "^[1-9][0-9]*$" } },
  }),
  ...failures("Retry with the same idempotency keys: a retry is never charged twice."),
});
const workspaceParameter = { name: "workspace", in: "query", required: false, schema: { type: "string", format: "uuid" }, description: "Signed in: another workspace of yours" };

interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: object[];
  requestBody?: object;
  responses: Responses;
}

/**
 * A path's operations: the one it serves, HEAD with GET (its answers without a body), and every
 * other method refused with a 405 whose Allow header names what the path serves (lib/api/route.ts).
 */
function pathItem(method: "GET" | "POST", name: string, op: Operation) {
  const allow = allowedMethods(method).join(", ");
  const operationOf = (m: ApiMethod): Operation => {
    if (m === method) return op;
    if (m === "HEAD" && method === "GET") {
      const responses = Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, { description: r.description, ...(r.headers && { headers: r.headers }) }]));
      return { ...op, operationId: `head${name}`, summary: `${op.summary}: headers only`, description: "GET's answers, without their bodies.", responses };
    }
    return {
      operationId: `${m.toLowerCase()}${name}NotAllowed`,
      summary: `${m} is not allowed`,
      description: `This path serves ${allow} only: ${m} is refused with 405 (method_not_allowed), before any credentials are looked at, and nothing is read or written.`,
      tags: op.tags,
      security: [],
      // (An answer to HEAD has no body.)
      responses: {
        "405": answer("Method not allowed", m === "HEAD" ? undefined : ref("Error"), { Allow: { description: "The methods this path serves", required: true, schema: { type: "string", const: allow } } }),
      },
    };
  };
  // In the order the OpenAPI specification lists them.
  return Object.fromEntries((["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH"] as const).map((m) => [m.toLowerCase(), operationOf(m)]));
}

export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "Credits metering API",
      version: "1",
      description:
        "Integration credits for published apps, charged to the app owner (or the workspace's shared pool); balances for apps and members.\n\n" +
        "Every answer that is not 2xx is JSON (`Error`, or `Refusal` for a 402). Each path serves one method (and HEAD with GET); every other method, OPTIONS included, answers 405 with an `Allow` header. " +
        "Any other path under /api/v1, with any method, answers 404 with an `Error` (not_found).",
      contact: { name: "Credits", url: "https://example.com/credits" },
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [{ url: "/", description: "This deployment (the API is served under /api/v1 of the app's own origin)" }],
    tags: [
      { name: "Balances", description: "What is left: an app owner's credits, a member's, a shared pool's" },
      { name: "Description", description: "This document" },
      { name: "Metering", description: "Charging integration calls to the app owner's credits" },
    ],
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        appKey: { type: "http", scheme: "bearer", description: "An app key (Settings → API keys)" },
        session: { type: "apiKey", in: "cookie", name: "next-auth.session-token", description: "A signed-in member's session" },
      },
    },
    security: [{ appKey: [] }],
    paths: {
      "/api/v1/usage": pathItem("POST", "Usage", {
        operationId: "chargeUsage",
        summary: "Charge one integration call to the app owner",
        description: `One integration call, charged all or nothing to the app owner's integration credits (or the workspace's shared pool), at most once per Idempotency-Key. At most ${MAX_BODY_BYTES / 1024} KB.`,
        tags: ["Metering"],
        parameters: [{ name: "Idempotency-Key", in: "header", required: true, description: "Unique per charge: a retry with the same key and body is answered with the first answer", schema: { type: "string", minLength: 1, maxLength: MAX_KEY_LENGTH } }],
        requestBody: { required: true, content: { "application/json": { schema: schema(usageBody) } } },
        responses: {
          "201": answer("Charged", ref("Charged")),
          "200": answer("A replay of this Idempotency-Key: the first answer, nothing charged again", ref("Charged"), replayed(true)),
          "402": answer("Out of credits (insufficient_credits) or past the app's cap (app_cap_reached); nothing charged. A replay of such a refusal carries Idempotent-Replayed.", ref("Refusal"), replayed(false)),
          "409": answer("This Idempotency-Key was used for another request (idempotency_conflict)", ref("Error")),
          ...meteringErrors("Bad body (malformed JSON, an unknown field, a bad quantity), an unknown or non-integration action, or a missing or too long Idempotency-Key"),
        },
      }),
      "/api/v1/usage/batch": pathItem("POST", "UsageBatch", {
        operationId: "chargeUsageBatch",
        summary: `Charge 1 to ${MAX_BATCH_EVENTS} integration calls, each on its own`,
        description: `Each event has its own idempotency key and its own all-or-nothing charge, in the order given; the batch commits in one transaction, so a 503 means none of it was charged. No Idempotency-Key header. At most ${MAX_BATCH_BYTES / 1024} KB.`,
        tags: ["Metering"],
        requestBody: { required: true, content: { "application/json": { schema: { ...schema(batchBody), properties: { events: { type: "array", minItems: 1, maxItems: MAX_BATCH_EVENTS, items: schema(batchEvent) } } } } } },
        responses: {
          "200": answer("One result per event, and the balance after the batch", ref("BatchAnswer")),
          ...meteringErrors(`Bad envelope, nothing charged: malformed JSON, not an object with 1 to ${MAX_BATCH_EVENTS} events, or an unknown field (a bad event is that event's own 400 in the results)`),
        },
      }),
      "/api/v1/balance": pathItem("GET", "Balance", {
        operationId: "getBalance",
        summary: "The app owner's integration credits (with an app key), or yours (signed in)",
        description: "With an app key (Authorization: Bearer): the app owner's integration credits, as `AppKeyBalance`. Signed in, without one: your message and integration credits in your current workspace (or ?workspace=), as `MemberBalance`.",
        tags: ["Balances"],
        security: [{ appKey: [] }, { session: [] }],
        parameters: [workspaceParameter],
        responses: {
          "200": answer("Balances (a shared pool's, in a workspace on the pool model)", { oneOf: [ref("AppKeyBalance"), ref("MemberBalance")] }),
          "401": answer("Not signed in and no app key, or a wrong or revoked app key (unauthorized)", ref("Error")),
          "404": answer("Signed in: no such workspace of yours (not_found)", ref("Error")),
          ...failures("Retry."),
        },
      }),
      "/api/v1/workspace/credits": pathItem("GET", "WorkspaceCredits", {
        operationId: "getWorkspaceCredits",
        summary: "A shared pool's credits and every member's allocation (owners and admins)",
        description: "The pool of your current workspace (or ?workspace=): its message and integration balances, and every member's limit, use and what is left of it. For the workspace's owners and admins.",
        tags: ["Balances"],
        security: [{ session: [] }],
        parameters: [{ ...workspaceParameter, description: "Another workspace of yours" }],
        responses: {
          "200": answer("The pool and the members' allocations", ref("WorkspaceCredits")),
          "401": answer("Not signed in (unauthorized)", ref("Error")),
          "403": answer("Not an owner or admin of this workspace (forbidden)", ref("Error")),
          "404": answer("No such workspace of yours (not_found)", ref("Error")),
          "409": answer("The workspace is on seats (not_a_pool)", ref("Error")),
          ...failures("Retry."),
        },
      }),
      "/api/v1/openapi.json": pathItem("GET", "OpenApi", {
        operationId: "getOpenApi",
        summary: "This description",
        description: "This OpenAPI 3.1 document, generated from the schemas that validate requests.",
        tags: ["Description"],
        security: [],
        responses: { "200": answer("OpenAPI 3.1", { type: "object" }), ...failures("Retry.") },
      }),
    },
  };
}
