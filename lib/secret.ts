import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

let cached: string | undefined;

/**
 * The server's secret (signs sessions, derives invitation links): AUTH_SECRET when set; otherwise one generated on first use
 * into the (git-ignored) data folder, so the embedded mode works with no setup and sessions
 * survive restarts.
 */
export function authSecret(): string {
  if (cached) return cached;
  const config = env();
  if (config.AUTH_SECRET) return (cached = config.AUTH_SECRET);
  const file = path.join(config.dataDir, "auth-secret");
  try {
    cached = readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    const secret = randomBytes(32).toString("base64url");
    // "wx" fails if another process wrote it first; then read theirs.
    try {
      writeFileSync(file, secret + "\n", { flag: "wx", mode: 0o600 });
      cached = secret;
    } catch {
      cached = readFileSync(file, "utf8").trim();
    }
  }
  return cached;
}
