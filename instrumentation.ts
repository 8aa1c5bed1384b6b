/**
 * Runs once when a server starts (`next start`, `next dev`), before it answers: a bad
 * configuration stops it here with a message naming the variable, instead of failing on
 * the first request. Never at build time: a build needs no runtime secret.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { checkConfigurationOrExit, env } = await import("./lib/env");
  checkConfigurationOrExit();
  const config = env();
  const { getDbHandle } = await import("./lib/db");
  // The embedded database: a new user gets the demo workspace the first time (before any request).
  if (!config.DATABASE_URL && config.DEMO_SEED === "auto") {
    const [handle, { seedDemoIfEmpty }] = await Promise.all([getDbHandle(), import("./lib/demo-data")]);
    await seedDemoIfEmpty(handle.db, new Date());
  }
  // The job queue's worker starts with the app (decisions after a charge, changes that come due),
  // unless it runs as its own process (`npm run worker`, JOBS_IN_APP=off). A database that is not
  // there yet does not stop the app from starting: the worker tries again.
  if (config.JOBS_IN_APP === "on") {
    const { startWorker } = await import("./lib/worker");
    const start = (): void => {
      getDbHandle()
        .then((handle) => startWorker(handle))
        .then((worker) => {
          const stop = () => void worker.stop().catch(() => {});
          process.once("SIGTERM", stop);
          process.once("SIGINT", stop);
        })
        .catch((err) => {
          console.warn("job queue worker not started yet:", err instanceof Error ? err.message : err);
          setTimeout(start, 5_000).unref();
        });
    };
    start();
  }
}
