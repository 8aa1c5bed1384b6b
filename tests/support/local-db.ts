/** Hosts that are this machine: the only ones a destructive test, e2e or reliability run may touch. */
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Tests create, reset and drop databases: refuse any server that is not this machine, before
 * anything is written.
 */
export function assertLocalDatabase(url: string | URL, what = "tests"): URL {
  const parsed = new URL(url);
  if (!LOCAL_HOSTS.has(parsed.hostname)) {
    throw new Error(`Refusing to run ${what} against a non-local database host (${parsed.hostname}).`);
  }
  return parsed;
}
