import path from "node:path";
import { defineConfig } from "vitest/config";

// The topology past one machine, on this machine: `npm run cluster -- up` first (a streaming
// replica at 5433, PgBouncer at 6432), and a production build. `npm run test:cluster`.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["cluster/**/*.test.ts"],
    environment: "node",
    setupFiles: ["tests/support/setup.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    passWithNoTests: false,
  },
});
