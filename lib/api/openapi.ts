import { z } from "zod";
import { INTEGRATION_ACTIONS } from "@/lib/credits/costs";
import { MAX_KEY_LENGTH } from "@/lib/credits/debit";
import { batchBody, batchEvent, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, usageBody } from "./usage";

/**
 * The OpenAPI 3.1 description of the metering API. Request bodies come from the very zod
 * schemas that validate requests (zod's own JSON Schema output), so the description cannot
 * drift from what the API accepts; answers are described with schemas of the same kind.
 */
const schema = (s: z.ZodType, io: "input" | "output" = "input") => {
  const out = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete out.$schema; // the document says which dialect once, for all
  return out;
};

const balance = z.object({
  allowance: z.number().describe("This cycle's allowance, in credits"),
  used: z.number(),
  remaining: z.number().describe("What is left of the allowance"),
  cycleStart: z.iso.datetime(),
  cycleEnd: z.iso.datetime().describe("When the allowance resets"),
  topUp: z.object({ remaining: z.number().describe("Top-up credits usable now"), nextExpiresAt: z.iso.datetime().nullable() }),
  available: z.number().describe("remaining + topUp.remaining: what a charge can use now"),
  forecast: z
    .object({
      runsOutAt: z.iso.datetime().nullable().describe("When `available` runs out at the recent pace, if before the reset; null: it lasts until the reset (or there was no recent use)"),
      basis: z.object({ windowDays: z.number().int().describe("The days of usage the pace is taken from"), perDay: z.number().describe("Credits a day over that window") }),
    })
    .optional()
    .describe("On GET /api/v1/balance only"),
});
const event = z.object({
  id: z.number().int(),
  action: z.enum(INTEGRATION_ACTIONS as [string, ...string[]]),
  quantity: z.number().int(),
  amount: z.number().describe("Credits charged"),
  kind: z.literal("integration"),
  outcome: z.literal("charged"),
  appId: z.uuid(),
  createdAt: z.iso.datetime(),
});
const error = z.object({
  error: z.object({
    code: z.string().describe("insufficient_credits, app_cap_reached, invalid_request, unauthorized, idempotency_conflict, …"),
    message: z.string(),
    balance: balance.optional(),
    resetsAt: z.iso.datetime().optional(),
    help: z.enum(["top_up_or_upgrade", "upgrade", "raise_app_cap"]).optional(),
  }),
});
const charged = z.object({ event, balance });
const allocation = z.object({
  limit: z.number().nullable().describe("The member's monthly message-credit limit in the pool; null: none (the owner is never limited)"),
  isDefault: z.boolean().describe("Whether the limit is the workspace's default rather than the member's own"),
  used: z.number().describe("Message credits the member used (or holds) this cycle"),
  remaining: z.number().nullable().describe("What is left of the limit; null without a limit"),
});
const workspaceCredits = z.object({
  workspaceId: z.uuid(),
  model: z.literal("pool"),
  planId: z.string().describe("The pool's plan: its credit level"),
  creditPool: z.object({ message: balance, integration: balance }),
  memberAllocations: z.array(allocation.extend({ userId: z.uuid(), name: z.string(), role: z.enum(["owner", "admin", "member"]) })),
});
const batchAnswer = z.object({
  results: z.array(z.object({ status: z.union([z.literal(201), z.literal(200), z.literal(400), z.literal(402), z.literal(409), z.literal(503)]), event: event.optional(), balance: balance.optional(), error: error.shape.error.optional() })),
  balance,
});

const json = (s: z.ZodType, description: string) => ({ description, content: { "application/json": { schema: schema(s, "output") } } });
const errors = {
  "400": json(error, "Bad body, unknown or non-integration action, missing Idempotency-Key"),
  "401": json(error, "Missing or wrong app key"),
  "405": json(error, "Another method"),
  "413": json(error, "Body too large"),
  "415": json(error, "Body not JSON"),
  "503": json(error, "Could not finish in time; nothing was charged. Retry with the same key."),
};

export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "Credits metering API",
      version: "1",
      description: "Integration credits for published apps, charged to the app owner (or the workspace's shared pool); balances for apps and members.",
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [{ url: "/", description: "This deployment (the API is served under /api/v1 of the app's own origin)" }],
    components: {
      securitySchemes: {
        appKey: { type: "http", scheme: "bearer", description: "An app key (Settings → API keys)" },
        session: { type: "apiKey", in: "cookie", name: "next-auth.session-token", description: "A signed-in member's session" },
      },
    },
    security: [{ appKey: [] }],
    paths: {
      "/api/v1/usage": {
        post: {
          operationId: "chargeUsage",
          summary: "Charge one integration call to the app owner",
          parameters: [{ name: "Idempotency-Key", in: "header", required: true, schema: { type: "string", minLength: 1, maxLength: MAX_KEY_LENGTH } }],
          requestBody: { required: true, content: { "application/json": { schema: schema(usageBody) } } },
          responses: {
            "201": json(charged, "Charged"),
            "200": json(charged, "A replay of this Idempotency-Key: the first answer, nothing charged again"),
            "402": json(error, "Out of credits (insufficient_credits) or past the app's cap (app_cap_reached); nothing charged"),
            "409": json(error, "This Idempotency-Key was used for another request"),
            ...errors,
          },
        },
      },
      "/api/v1/usage/batch": {
        post: {
          operationId: "chargeUsageBatch",
          summary: `Charge 1 to ${MAX_BATCH_EVENTS} integration calls, each on its own`,
          description: `Each event has its own idempotency key and its own all-or-nothing charge, in the order given; the batch commits in one transaction, so a 503 means none of it was charged. At most ${MAX_BATCH_BYTES / 1024} KB.`,
          requestBody: { required: true, content: { "application/json": { schema: { ...schema(batchBody), properties: { events: { type: "array", minItems: 1, maxItems: MAX_BATCH_EVENTS, items: schema(batchEvent) } } } } } },
          responses: { "200": json(batchAnswer, "One result per event, and the balance after the batch"), ...errors },
        },
      },
      "/api/v1/balance": {
        get: {
          operationId: "getBalance",
          summary: "The app owner's integration credits (with an app key), or yours (signed in)",
          security: [{ appKey: [] }, { session: [] }],
          parameters: [{ name: "workspace", in: "query", required: false, schema: { type: "string", format: "uuid" }, description: "Signed in: another workspace of yours" }],
          responses: {
            "200": json(
              z.object({
                integration: balance,
                message: balance.optional(),
                accountType: z.enum(["seat", "free", "pool"]).optional().describe("Signed in: what pays for you here"),
                limit: allocation.nullable().optional().describe("Signed in, in a shared pool: your own limit there; null without one"),
              }),
              "Balances (a shared pool's, in a workspace on the pool model)",
            ),
            "401": errors["401"],
            "404": json(error, "No such workspace of yours"),
            "503": errors["503"],
          },
        },
      },
      "/api/v1/workspace/credits": {
        get: {
          operationId: "getWorkspaceCredits",
          summary: "A shared pool's credits and every member's allocation (owners and admins)",
          security: [{ session: [] }],
          parameters: [{ name: "workspace", in: "query", required: false, schema: { type: "string", format: "uuid" }, description: "Another workspace of yours" }],
          responses: {
            "200": json(workspaceCredits, "The pool and the members' allocations"),
            "401": json(error, "Not signed in"),
            "403": json(error, "Not an owner or admin of this workspace"),
            "404": json(error, "No such workspace of yours"),
            "409": json(error, "The workspace is on seats (not_a_pool)"),
            "503": errors["503"],
          },
        },
      },
      "/api/v1/openapi.json": { get: { operationId: "getOpenApi", summary: "This description", security: [], responses: { "200": { description: "OpenAPI 3.1" }, "405": errors["405"] } } },
    },
  };
}
