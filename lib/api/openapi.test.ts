import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { INTEGRATION_ACTIONS } from "@/lib/credits/costs";
import { openApiDocument } from "./openapi";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is walked as plain JSON
type Json = Record<string, any>;
const doc = openApiDocument() as Json;
const operations = Object.entries(doc.paths as Json).flatMap(([p, item]) => Object.entries(item as Json).map(([method, op]) => ({ path: p, method, op: op as Json })));
const pointer = (...parts: string[]) => "#/" + parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

function documentFile() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "openapi-"));
  writeFileSync(path.join(dir, "openapi.json"), JSON.stringify(doc));
  return dir;
}

describe("GET /api/v1/openapi.json", () => {
  it("describes usage, batch and balance with the request schemas the API validates with", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/v1/balance", "/api/v1/openapi.json", "/api/v1/usage", "/api/v1/usage/batch", "/api/v1/workspace/credits"]);
    const usage = doc.paths["/api/v1/usage"].post.requestBody.content["application/json"].schema;
    expect(usage.properties.action.enum).toEqual(INTEGRATION_ACTIONS);
    expect(usage.properties.quantity).toMatchObject({ type: "integer", minimum: 1, maximum: 1_000_000, default: 1 });
    expect(usage.additionalProperties).toBe(false);
    const batch = doc.paths["/api/v1/usage/batch"].post.requestBody.content["application/json"].schema;
    expect(batch.properties.events).toMatchObject({ minItems: 1, maxItems: 100 });
    expect(batch.properties.events.items.required).toEqual(expect.arrayContaining(["action", "idempotencyKey"]));
    expect(Object.keys(doc.paths["/api/v1/usage"].post.responses).sort()).toEqual(["200", "201", "400", "401", "402", "409", "413", "415", "429", "500", "503"]);
    expect(doc.components.schemas.ForecastBalance.required).toEqual(expect.arrayContaining(["remaining", "topUp", "available", "forecast"]));
  });

  it("every answer's object is closed: a field the document does not list is a contract break", () => {
    const open: string[] = [];
    const walk = (s: unknown, at: string) => {
      if (!s || typeof s !== "object") return;
      const o = s as Json;
      if (o.type === "object" && o.properties && o.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
    };
    walk(doc.components.schemas, "#/components/schemas");
    expect(open).toEqual([]);
  });

  it("each path serves its one method (and HEAD with GET); every other method is a 405 naming them in Allow", () => {
    const served = Object.fromEntries(Object.entries(doc.paths as Json).map(([p, item]) => [p, Object.keys(item as Json).filter((m) => !(item as Json)[m].responses["405"])]));
    expect(served).toEqual({
      "/api/v1/usage": ["post"],
      "/api/v1/usage/batch": ["post"],
      "/api/v1/balance": ["get", "head"],
      "/api/v1/workspace/credits": ["get", "head"],
      "/api/v1/openapi.json": ["get", "head"],
    });
    for (const { path: p, method, op } of operations) {
      expect(Object.keys(op.responses), `${method} ${p}`).toHaveLength(op.responses["405"] ? 1 : Object.keys(op.responses).length);
      if (op.responses["405"]) expect(op.responses["405"].headers.Allow).toMatchObject({ required: true, schema: { const: served[p]!.map((m) => m.toUpperCase()).join(", ") } });
      expect(op.tags?.length, `${method} ${p} has a tag`).toBeGreaterThan(0);
      expect(op.description, `${method} ${p} has a description`).toBeTruthy();
    }
  });
});

describe("the OpenAPI document passes `redocly lint` with its recommended rules", () => {
  it("no errors and no warnings", () => {
    const dir = documentFile();
    // Two of the recommended rules cannot hold for two kinds of operation, named here and only
    // here: one that refuses its method (its only answer is the 405) has no 2xx, and the
    // document itself, asked for with nothing to get wrong, has no 4xx.
    const refused = operations.filter(({ op }) => Object.keys(op.responses).join() === "405");
    const cannotFail = operations.filter(({ op }) => op.operationId === "getOpenApi" || op.operationId === "headOpenApi");
    expect(refused).toHaveLength(27);
    const list = (ops: typeof operations) => ops.map(({ path: p, method }) => `    - '${pointer("paths", p, method, "responses")}'`).join("\n");
    writeFileSync(path.join(dir, ".redocly.lint-ignore.yaml"), `openapi.json:\n  operation-2xx-response:\n${list(refused)}\n  operation-4xx-response:\n${list(cannotFail)}\n`);
    // JSON on stdout (its summary goes to stderr, beside a notice about Node versions); it exits
    // non-zero on an error, so the answer is read either way.
    let out: string;
    try {
      out = execFileSync(path.resolve("node_modules/.bin/redocly"), ["lint", "openapi.json", "--extends", "recommended", "--format", "json"], {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      });
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? err);
    }
    const report = JSON.parse(out) as { totals: { errors: number; warnings: number; ignored: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
    expect(report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
    // The exceptions are all used (redocly counts each problem it ignored): none is stale.
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: refused.length + cannotFail.length });
  }, 60_000);
});

describe("the OpenAPI document passes `spectral lint` with the spectral:oas rules (.spectral.yaml)", () => {
  it("no errors, no warnings, no hints", () => {
    const dir = documentFile();
    const report = path.join(dir, "spectral.json");
    try {
      // --fail-severity hint: anything it reports makes it exit non-zero; the report is read either way.
      execFileSync(path.resolve("node_modules/.bin/spectral"), ["lint", "openapi.json", "--ruleset", path.resolve(".spectral.yaml"), "--format", "json", "--output", report, "--fail-severity", "hint"], {
        cwd: dir,
        stdio: "ignore",
        env: { ...process.env, SCARF_ANALYTICS: "false" },
      });
    } catch (err) {
      if (!existsSync(report)) throw err;
    }
    const problems = JSON.parse(readFileSync(report, "utf8")) as { code: string; path: string[]; message: string }[];
    expect(problems.map((p) => `${p.code} at ${p.path.join(".")}: ${p.message}`)).toEqual([]);
  }, 60_000);
});
