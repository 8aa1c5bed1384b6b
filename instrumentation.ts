/**
 * Runs once when a server starts (`next start`, `next dev`), before it answers: a bad
 * configuration stops it here with a message naming the variable, instead of failing on
 * the first request. Never at build time: a build needs no runtime secret.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { checkConfigurationOrExit, env } = await import("./lib/env");
  checkConfigurationOrExit();
  // The job queue's worker starts with the app (decisions after a charge, changes that come due),
  // unless it runs as its own process (`npm run worker`, JOBS_IN_APP=off).
  if (env().JOBS_IN_APP === "on") {
    const [{ getDbHandle }, { startWorker }] = await Promise.all([import("./lib/db"), import("./lib/worker")]);
    const handle = await getDbHandle();
    const worker = await startWorker(handle);
    const stop = () => void worker.stop().catch(() => {});
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  }
}
