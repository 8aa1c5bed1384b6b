import { sql } from "drizzle-orm";
import autocannon from "autocannon";
import { apps, creditAccounts, memberships, users, workspaces } from "@/db/schema";
import { createAppKey } from "@/lib/apps/keys";
import { hashPassword } from "@/lib/auth/password";
import { cycleAt } from "@/lib/credits/cycle";
import { freshDatabase, signInOverHttp, startServer } from "@/tests/support/server";

const MEMBERS = 500;
const SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 10);

async function p50(url: string, headers: Record<string, string>) {
  const r = await autocannon({ url, connections: 1, duration: SECONDS, headers });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { p50: r.latency.p50, p99: r.latency.p99, rps: Math.round(r.requests.average) };
}

/**
 * Balance reads and the Settings → Workspace render, at 10k and at 1M ledger events over
 * 500 members. Reads of balances must not scan the ledger, so the two should match.
 */
export async function balanceReads() {
  const db = await freshDatabase();
  const now = new Date();
  const anchor = new Date(now.getTime() - 20 * 86_400_000);
  const passwordHash = await hashPassword("bench-pass");
  try {
    const [owner] = await db.handle.db.insert(users).values({ email: "owner@bench.example", name: "Bench Owner", passwordHash, createdAt: anchor }).returning();
    const [ws] = await db.handle.db.insert(workspaces).values({ name: "Bench", ownerId: owner!.id, billingAnchor: anchor }).returning();
    const people = [owner!];
    for (let i = 1; i < MEMBERS; i += 100) {
      people.push(
        ...(await db.handle.db
          .insert(users)
          .values(Array.from({ length: Math.min(100, MEMBERS - i) }, (_, j) => ({ email: `m${i + j}@bench.example`, name: `Member ${i + j}`, passwordHash: "x", createdAt: anchor })))
          .returning()),
      );
    }
    await db.handle.db.insert(memberships).values(people.map((p, i) => ({ workspaceId: ws!.id, userId: p.id, role: i === 0 ? ("owner" as const) : ("member" as const) })));
    const seats = await db.handle.db
      .insert(creditAccounts)
      .values(people.map((p) => ({ type: "seat" as const, workspaceId: ws!.id, planId: "elite", holderUserId: p.id, anchorAt: anchor })))
      .returning();
    await db.handle.db.insert(creditAccounts).values(people.map((p) => ({ type: "free" as const, planId: "free", holderUserId: p.id, anchorAt: anchor })));
    const [app] = await db.handle.db.insert(apps).values({ workspaceId: ws!.id, ownerUserId: owner!.id, name: "Bench app" }).returning();
    const { key } = await createAppKey(db.handle.db, app!.id, owner!.id, now);
    const cycle = cycleAt(anchor, "monthly", now);
    await db.handle.db.execute(sql`create table bench_people as select row_number() over () - 1 as i, holder_user_id as user_id, id as account_id from credit_accounts where type = 'seat'`);

    const addEvents = async (from: number, to: number) => {
      // Events spread over the last 60 days and all members; half messages, half integrations.
      await db.handle.db.execute(sql`
        insert into credit_ledger (idempotency_key, request_hash, actor_user_id, payer_account_id, payer_user_id, workspace_id, app_id, action, kind, quantity, amount, outcome, cycle_start, source, created_at)
        select 'bench:' || g, 'x', p.user_id, p.account_id, p.user_id, ${ws!.id}, ${app!.id},
               case when g % 2 = 0 then 'message.discuss' else 'integration.llm' end,
               (case when g % 2 = 0 then 'message' else 'integration' end)::credit_kind,
               1, case when g % 2 = 0 then 300 else 1000 end, 'charged', ${cycle.start.toISOString()}::timestamptz, 'editor',
               ${now.toISOString()}::timestamptz - (g % 86400) * interval '60 seconds'
        from generate_series(${from}::int, ${to}::int) g join bench_people p on p.i = g % ${MEMBERS}`);
      // One bulk insert updates each rollup row thousands of times in one transaction; spread
      // over days, autovacuum would have cleared those versions long before anyone read them.
      await db.handle.db.execute(sql`vacuum analyze credit_ledger, usage_rollup, usage_rollup_workspace, app_usage`);
    };

    const server = await startServer(db.url, 3802);
    try {
      const cookie = await signInOverHttp(server.base, "owner@bench.example", "bench-pass");
      const measure = async () => ({
        balance: await p50(`${server.base}/api/v1/balance`, { authorization: `Bearer ${key}` }),
        page: await p50(`${server.base}/settings/workspace`, { cookie }),
        // The owner's opt-in whole-workspace chart aggregates 30 days of everyone's events.
        pageWholeWorkspace: await p50(`${server.base}/settings/workspace?scope=workspace`, { cookie }),
      });
      await addEvents(1, 10_000);
      await measure(); // warm-up: compile caches, connections
      const at10k = await measure();
      await addEvents(10_001, 1_000_000);
      const at1m = await measure();
      return {
        members: MEMBERS,
        seats: seats.length,
        secondsPerMeasure: SECONDS,
        connections: 1,
        at10k: { balanceP50Ms: at10k.balance.p50, balanceP99Ms: at10k.balance.p99, pageP50Ms: at10k.page.p50, pageP99Ms: at10k.page.p99, wholeWorkspacePageP50Ms: at10k.pageWholeWorkspace.p50 },
        at1m: { balanceP50Ms: at1m.balance.p50, balanceP99Ms: at1m.balance.p99, pageP50Ms: at1m.page.p50, pageP99Ms: at1m.page.p99, wholeWorkspacePageP50Ms: at1m.pageWholeWorkspace.p50 },
        balanceRatio1mTo10k: Number((at1m.balance.p50 / at10k.balance.p50).toFixed(2)),
        pageRatio1mTo10k: Number((at1m.page.p50 / at10k.page.p50).toFixed(2)),
        targets: { ratioAtMost: 1.2, balanceP50AtMostMs: 5 },
        note: "Latency measured by the client over loopback with one connection, so it is an upper bound of the server-side time.",
      };
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}
