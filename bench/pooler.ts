import { randomUUID } from "node:crypto";
import { execSync } from "node:child_process";
import { openPostgres } from "@/db/client";
import { debitCredits } from "@/lib/credits/debit";
import { freshDatabase } from "@/tests/support/server";
import { benchPlan, makeOwners } from "./setup";

/**
 * What the pooler costs: the same in-process charges (16 at a time, spread over 100 payers) on one
 * database three ways: straight to the primary with named prepared statements (the default),
 * straight without them (what PgBouncer 1.18's transaction pooling requires), and through
 * PgBouncer (`npm run cluster -- up`; port 6432). Charges per second and p99, one run each.
 */
export async function poolerBench(seconds: number) {
  const bouncerUp = (() => {
    try {
      execSync("pg_isready -h 127.0.0.1 -p 6432 -q");
      return true;
    } catch {
      return false;
    }
  })();
  const db = await freshDatabase();
  try {
    await benchPlan(db.handle.db);
    const owners = await makeOwners(db.handle.db, 100, new Date());
    const direct = db.url;
    const pooled = new URL(direct);
    pooled.port = "6432";
    const run = async (url: string, opts: { directUrl?: string }) => {
      const h = await openPostgres(url, 16, opts);
      const latencies: number[] = [];
      const end = Date.now() + seconds * 1000;
      let i = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (Date.now() < end) {
            const o = owners[i++ % owners.length]!;
            const t0 = performance.now();
            const r = await debitCredits(h.db, { key: `app:${o.appId}:${randomUUID()}`, action: "integration.api_call", quantity: 1, workspaceId: o.workspaceId, actorUserId: null, appId: o.appId, source: "api" }, new Date());
            if (r.outcome !== "charged") throw new Error(`bench charge was ${r.outcome}`);
            latencies.push(performance.now() - t0);
          }
        }),
      );
      await h.close();
      latencies.sort((a, b) => a - b);
      return { chargesPerSecond: Math.round(latencies.length / seconds), p50Ms: +latencies[Math.floor(latencies.length * 0.5)]!.toFixed(1), p99Ms: +latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1) };
    };
    const prepared = await run(direct, {});
    const unprepared = await run(direct, { directUrl: direct });
    const throughPgBouncer = bouncerUp ? await run(pooled.toString(), { directUrl: direct }) : null;
    return {
      seconds,
      concurrency: 16,
      payers: 100,
      directPrepared: prepared,
      directUnprepared: unprepared,
      throughPgBouncer: throughPgBouncer ?? "not measured: PgBouncer is not running (npm run cluster -- up)",
      ratios: {
        unpreparedVsPrepared: +(unprepared.chargesPerSecond / prepared.chargesPerSecond).toFixed(2),
        ...(throughPgBouncer ? { pgBouncerVsPrepared: +(throughPgBouncer.chargesPerSecond / prepared.chargesPerSecond).toFixed(2) } : {}),
      },
    };
  } finally {
    await db.drop();
  }
}
