/**
 * The job queue's worker as its own process: `npm run worker`. Works decisions and changes that
 * come due, and sweeps decisions left on their way. Run the app with JOBS_IN_APP=off to leave all
 * of it to this process (or keep both: every step is safe to run twice).
 */
import { openConfiguredDb } from "@/lib/db";
import { checkConfigurationOrExit } from "@/lib/env";
import { startWorker } from "@/lib/worker";

async function main() {
  checkConfigurationOrExit();
  const { handle, where } = await openConfiguredDb(4);
  if (handle.driver === "pglite") {
    await handle.close();
    throw new Error("The embedded database serves one process, so its worker runs inside the app. Set DATABASE_URL to run a separate worker.");
  }
  const worker = await startWorker(handle);
  console.log(`worker: working the job queue on the ${where} (pid ${process.pid})`);
  const stop = async () => {
    await worker.stop().catch(() => {});
    await handle.close().catch(() => {});
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
