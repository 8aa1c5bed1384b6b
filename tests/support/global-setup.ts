/**
 * Runs once per vitest run (unit suite), before any worker starts: one migrated database for the
 * run, which every test file copies (see prepareTestTemplate).
 */
import { prepareTestTemplate } from "./test-db";

export default async function setup() {
  return prepareTestTemplate();
}
