/**
 * Runs once when a server starts (`next start`, `next dev`), before it answers: a bad
 * configuration stops it here with a message naming the variable, instead of failing on
 * the first request. Never at build time: a build needs no runtime secret.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { checkConfigurationOrExit } = await import("./lib/env");
  checkConfigurationOrExit();
}
