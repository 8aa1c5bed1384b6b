import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

describe("parseEnv", () => {
  it("works with nothing set (embedded mode)", () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.DATABASE_POOL_MAX).toBe(10);
    expect(env.DEMO_SEED).toBe("auto");
    expect(env.dataDir).toMatch(/\.data$/);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", AUTH_SECRET: "" }).DATABASE_URL).toBeUndefined();
  });

  it("names every malformed variable in one message", () => {
    expect(() => parseEnv({ DATABASE_URL: "mysql://x", DATABASE_POOL_MAX: "lots", AUTH_SECRET: "short" })).toThrow(
      /DATABASE_URL must start with postgres:\/\/[\s\S]*DATABASE_POOL_MAX[\s\S]*AUTH_SECRET must be at least 32/,
    );
  });

  it("requires AUTH_SECRET in production with a server database", () => {
    expect(() => parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgres://localhost/x" })).toThrow(/AUTH_SECRET is required/);
    expect(
      parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgres://localhost/x", AUTH_SECRET: "x".repeat(32) }).AUTH_SECRET,
    ).toHaveLength(32);
  });

  it("resolves PGLITE_DIR", () => {
    expect(parseEnv({ PGLITE_DIR: "/tmp/somewhere" }).dataDir).toBe("/tmp/somewhere");
  });
});
