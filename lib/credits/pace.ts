import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { usageRollup } from "@/db/schema";
import type { AccountBalance } from "./accounts";
import type { CreditKind } from "./costs";
import { FORECAST_WINDOW_DAYS, forecastRunOut, type Forecast } from "./forecast";

/**
 * The recent pace of people's spending, read from the hourly rollups (never the raw ledger), and
 * the forecast it gives for each of their balances. A seat's pace is what its holder was charged
 * in the seat's workspace; a free allowance's, what its person was charged anywhere (it is one
 * allowance for all their workspaces).
 */
export type Forecasts = Record<"message" | "integration", Forecast>;

const DAY_MS = 86_400_000;

async function spentInWindow(db: Db, people: { userId: string; workspaceId: string | null }[], now: Date) {
  const since = new Date(now.getTime() - FORECAST_WINDOW_DAYS * DAY_MS);
  const out = new Map<string, Record<CreditKind | "none", number>>();
  for (const scope of [people.filter((p) => p.workspaceId), people.filter((p) => !p.workspaceId)]) {
    if (scope.length === 0) continue;
    const workspaceId = scope[0]!.workspaceId;
    const rows = await db
      .select({ userId: usageRollup.payerUserId, kind: usageRollup.kind, charged: sql<string>`sum(${usageRollup.charged})` })
      .from(usageRollup)
      .where(
        and(
          inArray(usageRollup.payerUserId, scope.map((p) => p.userId)),
          gte(usageRollup.hour, since),
          lt(usageRollup.hour, now),
          workspaceId ? eq(usageRollup.workspaceId, workspaceId) : undefined,
        ),
      )
      .groupBy(usageRollup.payerUserId, usageRollup.kind);
    for (const r of rows) {
      if (!r.userId) continue;
      const entry: Record<CreditKind | "none", number> = out.get(r.userId) ?? { message: 0, integration: 0, none: 0 };
      entry[r.kind] = Number(r.charged);
      out.set(r.userId, entry);
    }
  }
  return { since, spent: out };
}

/** Forecasts for many people's balances in one workspace at once (owners' member tables). */
export async function forecastsFor(db: Db, workspaceId: string, balances: Map<string, AccountBalance>, now: Date): Promise<Map<string, Forecasts>> {
  const people = [...balances].map(([userId, b]) => ({ userId, workspaceId: b.account.type !== "free" ? workspaceId : null }));
  // One query for those on a seat here, one for those on their free allowance.
  const { since, spent } = await spentInWindow(db, people, now);
  const out = new Map<string, Forecasts>();
  for (const [userId, b] of balances) {
    const s = spent.get(userId);
    const of = (kind: "message" | "integration") =>
      forecastRunOut({ history: s ? [{ hour: since, charged: s[kind] }] : [], available: b[kind].available, cycleEnd: b[kind].cycleEnd, now });
    out.set(userId, { message: of("message"), integration: of("integration") });
  }
  return out;
}

/** The forecast of one person's balances in a workspace. */
export async function forecastFor(db: Db, args: { workspaceId: string; userId: string }, balance: AccountBalance, now: Date): Promise<Forecasts> {
  return (await forecastsFor(db, args.workspaceId, new Map([[args.userId, balance]]), now)).get(args.userId)!;
}
