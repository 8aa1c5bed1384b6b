import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { makeApp, makeSeat, makeUser, makeWorkspace, writableRowCounts } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { createAppKey } from "@/lib/apps/keys";
import { INTEGRATION_ACTIONS } from "@/lib/credits/costs";
import { findUsageMismatches } from "@/lib/credits/check";
import { postUsage } from "./usage";

let h: DbHandle & { cleanup(): Promise<void> };
let key: string;
const now = new Date("2026-02-10T12:00:00.000Z");

beforeAll(async () => {
  h = await createTestDb();
  const owner = await makeUser(h.db, "Owner", new Date("2026-01-01T00:00:00Z"));
  const ws = await makeWorkspace(h.db, owner, { billingAnchor: new Date("2026-01-31T10:00:00.000Z") });
  await makeSeat(h.db, ws, "elite", owner.id);
  key = (await createAppKey(h.db, (await makeApp(h.db, ws, owner)).id, owner.id, now)).key;
});
afterAll(async () => h?.cleanup());

const documented = new Set([200, 201, 400, 401, 402, 409, 413, 415]);

// Bodies: sometimes nearly right, sometimes anything at all.
const body = fc.oneof(
  fc.record(
    {
      action: fc.oneof(fc.constantFrom(...INTEGRATION_ACTIONS, "message.discuss", "edit.manual", ""), fc.string()),
      quantity: fc.oneof(fc.integer({ min: -5, max: 2_000_000 }), fc.double(), fc.string(), fc.constant(null), fc.boolean()),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  ).map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.string({ minLength: 16_000, maxLength: 20_000 }),
);
const headers = fc.record({
  authorization: fc.oneof(fc.constant(undefined), fc.constant("KEY"), fc.string(), fc.constant("Bearer "), fc.string().map((s) => `Bearer ${s}`)),
  contentType: fc.oneof(fc.constant("application/json"), fc.constant(undefined), fc.string(), fc.constant("application/vnd.api+json"), fc.constant("text/plain")),
  idempotencyKey: fc.oneof(fc.constant(undefined), fc.string({ minLength: 1, maxLength: 250 }), fc.uuid()),
});

describe("POST /api/v1/usage under hostile input", () => {
  it("answers only documented statuses, never 500, and a refused request writes nothing", async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(body, headers, async (raw, hd) => {
        const h2: Record<string, string> = {};
        const auth = hd.authorization === "KEY" ? `Bearer ${key}` : hd.authorization;
        // Header values must be ByteStrings; a client could not send anything else either.
        const latin = (s: string) => s.replace(/[^\x20-\x7e]/g, "");
        if (auth !== undefined) h2.authorization = latin(auth);
        if (hd.contentType !== undefined) h2["content-type"] = latin(hd.contentType);
        if (hd.idempotencyKey !== undefined) h2["idempotency-key"] = latin(hd.idempotencyKey);
        const before = await writableRowCounts(h.db);
        const res = await postUsage(h.db, new Request("http://localhost/api/v1/usage", { method: "POST", headers: h2, body: raw }), now);
        expect(documented.has(res.status)).toBe(true);
        seen.add(res.status);
        const json = await res.json();
        if (res.status >= 400) {
          expect(typeof json.error.code).toBe("string");
          expect(typeof json.error.message).toBe("string");
        }
        if (res.status >= 400 && res.status !== 402) expect(await writableRowCounts(h.db)).toEqual(before);
      }),
      {
        numRuns: 300,
        // Besides the random cases, one of each refusal every run, so coverage never depends on the seed.
        examples: [
          ["x".repeat(17_000), { authorization: "KEY", contentType: "application/json", idempotencyKey: "big" }],
          ['{"action":"integration.llm"}', { authorization: "KEY", contentType: "text/plain", idempotencyKey: "type" }],
          ['{"action":"integration.llm"}', { authorization: undefined, contentType: "application/json", idempotencyKey: "nokey" }],
          ['{"action":"integration.llm","quantity":0}', { authorization: "KEY", contentType: "application/json", idempotencyKey: "zero" }],
        ],
      },
    );
    // The generators reached every kind of refusal, not just one.
    expect([...seen].filter((s) => [400, 401, 413, 415].includes(s)).sort()).toEqual([400, 401, 413, 415]);
    expect(await findUsageMismatches(h.db)).toEqual([]);
  });
});
