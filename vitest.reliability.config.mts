import path from "node:path";
import { defineConfig } from "vitest/config";

// The long reliability suite: real servers (`next start`) on real PostgreSQL. Needs a
// production build and PostgreSQL at 127.0.0.1:5432. `npm run test:reliability`.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["reliability/**/*.test.ts"],
    environment: "node",
    // After every test, each database the file opened still agrees with its ledger.
    setupFiles: ["tests/support/setup.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    passWithNoTests: false,
  },
});
