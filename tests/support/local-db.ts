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

/**
 * Tests through a pooler: with DATABASE_DIRECT_URL set, the URLs tests are given (DATABASE_URL,
 * RELIABILITY_PG_URL) go through PgBouncer in front of that primary, and a database's direct URL
 * is its pooled URL with the primary's host and port. Undefined without a pooler.
 */
export function directUrlFor(url: string | URL): string | undefined {
  const direct = process.env.DATABASE_DIRECT_URL;
  if (!direct) return undefined;
  const u = new URL(url);
  // Only URLs on the pooler the run was given (a test's own cluster on another port is direct).
  const poolers = [process.env.DATABASE_URL, process.env.RELIABILITY_PG_URL].filter((x): x is string => !!x).map((x) => new URL(x).host);
  if (!poolers.includes(u.host)) return undefined;
  u.host = new URL(direct).host;
  return u.toString();
}

/** The driver's options for a test database at `url`: through a pooler, its direct URL for LISTEN. */
export const poolerOptions = (url: string | URL) => {
  const directUrl = directUrlFor(url);
  return directUrl ? { directUrl } : {};
};
