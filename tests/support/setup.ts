/**
 * Runs before every test file (vitest `setupFiles`, unit and reliability suites). After each
 * test, every database the file opened must still have usage rows equal to what its ledger says: the engine's central
 * invariant (and every top-up lot equals the parts the ledger drew from it), checked test by test rather than once at the end, so a test run alone with `-t`
 * checks it too.
 */
import { afterEach, expect } from "vitest";
import { findLotMismatches, findRollupMismatches, findUsageMismatches } from "@/lib/credits/check";
import { openTestDbs } from "./test-db";

afterEach(async () => {
  for (const handle of openTestDbs) {
    expect(await findUsageMismatches(handle.db)).toEqual([]);
    expect(await findLotMismatches(handle.db)).toEqual([]);
    expect(await findRollupMismatches(handle.db)).toEqual([]);
  }
});
