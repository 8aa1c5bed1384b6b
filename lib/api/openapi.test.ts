import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { INTEGRATION_ACTIONS } from "@/lib/credits/costs";
import { openApiDocument } from "./openapi";

describe("GET /api/v1/openapi.json", () => {
  it("describes usage, batch and balance with the request schemas the API validates with", () => {
    const doc = openApiDocument() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/v1/balance", "/api/v1/openapi.json", "/api/v1/usage", "/api/v1/usage/batch", "/api/v1/workspace/credits"]);
    const usage = doc.paths["/api/v1/usage"].post.requestBody.content["application/json"].schema;
    expect(usage.properties.action.enum).toEqual(INTEGRATION_ACTIONS);
    expect(usage.properties.quantity).toMatchObject({ type: "integer", minimum: 1, maximum: 1_000_000, default: 1 });
    expect(usage.additionalProperties).toBe(false);
    const batch = doc.paths["/api/v1/usage/batch"].post.requestBody.content["application/json"].schema;
    expect(batch.properties.events).toMatchObject({ minItems: 1, maxItems: 100 });
    expect(batch.properties.events.items.required).toEqual(expect.arrayContaining(["action", "idempotencyKey"]));
    expect(Object.keys(doc.paths["/api/v1/usage"].post.responses).sort()).toEqual(["200", "201", "400", "401", "402", "405", "409", "413", "415", "503"]);
    const balance = doc.paths["/api/v1/balance"].get.responses["200"].content["application/json"].schema.properties.integration;
    expect(balance.required).toEqual(expect.arrayContaining(["remaining", "topUp", "available"]));
  });
});

describe("the OpenAPI document passes `redocly lint` with its recommended rules", () => {
  it("no errors and no warnings", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "openapi-")), "openapi.json");
    writeFileSync(file, JSON.stringify(openApiDocument()));
    // Exits non-zero on an error (execFileSync throws); warnings are counted in its summary.
    const out = execFileSync(path.resolve("node_modules/.bin/redocly"), ["lint", file, "--extends", "recommended", "--format", "stylish"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } });
    expect(out).not.toMatch(/warning/i);
    expect(out).not.toMatch(/error/i);
  }, 60_000);
});
