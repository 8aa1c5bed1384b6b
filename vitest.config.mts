import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "e2e/**", "reliability/**", "cluster/**", ".next/**", ".data/**"],
    environment: "node",
    setupFiles: ["tests/support/setup.ts"],
    // One migrated database for the run; each file starts from a copy of it.
    globalSetup: ["tests/support/global-setup.ts"],
    pool: "forks",
    // Files are independent (each its own database): one worker per core.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A run that finds no test file is a broken run, not a green one.
    passWithNoTests: false,
  },
});
