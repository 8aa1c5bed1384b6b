import { TZDate } from "@date-fns/tz";
import { addDays, format, startOfDay, subDays } from "date-fns";
import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { apps, creditLedger, usageRollup, usageRollupWorkspace, users } from "@/db/schema";
import type { Role } from "@/lib/workspaces/roles";

export interface ActivityFilters {
  kind?: "message" | "integration" | "none";
  /** "refused" is every refusal; the other two tell out of credits from an app's own cap. */
  outcome?: "charged" | "free" | "refused" | "refused_credits" | "refused_cap";
  memberId?: string;
}

/** Midnight, in the viewer's zone, at the start of the first of the last `days` calendar days. */
function windowStart(now: Date, days: number, timeZone: string) {
  return startOfDay(subDays(new TZDate(now, timeZone), days - 1));
}

/**
 * Which ledger rows a viewer may see: owners and admins the whole workspace; a member only
 * what they did or paid for. Every activity query goes through this.
 */
function visible(workspaceId: string, viewerId: string, role: Role, filters: ActivityFilters = {}): SQL {
  const parts: (SQL | undefined)[] = [
    eq(creditLedger.workspaceId, workspaceId),
    // Reservation bookkeeping rows are internal; people see the charge or the refund's absence.
    sql`${creditLedger.outcome} in ('charged', 'free', 'refused')`,
    role === "member" ? or(eq(creditLedger.actorUserId, viewerId), eq(creditLedger.payerUserId, viewerId)) : undefined,
    filters.kind ? eq(creditLedger.kind, filters.kind) : undefined,
    filters.outcome === "refused_credits"
      ? and(eq(creditLedger.outcome, "refused"), sql`coalesce(${creditLedger.refusal}, 'insufficient_credits') = 'insufficient_credits'`)
      : filters.outcome === "refused_cap"
        ? and(eq(creditLedger.outcome, "refused"), eq(creditLedger.refusal, "app_cap_reached"))
        : filters.outcome
          ? eq(creditLedger.outcome, filters.outcome)
          : undefined,
    filters.memberId ? or(eq(creditLedger.actorUserId, filters.memberId), eq(creditLedger.payerUserId, filters.memberId)) : undefined,
  ];
  return and(...parts.filter((p): p is SQL => !!p))!;
}

/**
 * The rollup a viewer reads, and who may see its rows: their own hours (what they did or paid
 * for) from the per-person rollup, or the whole workspace's from its own, smaller rollup.
 */
function rollupFor(args: { workspaceId: string; viewerId: string; role: Role; mineOnly: boolean; since: Date; now: Date }) {
  if (args.mineOnly || args.role === "member") {
    const r = usageRollup;
    const where = and(eq(r.workspaceId, args.workspaceId), or(eq(r.actorUserId, args.viewerId), eq(r.payerUserId, args.viewerId)), gte(r.hour, args.since), lt(r.hour, args.now))!;
    return { r, where };
  }
  const r = usageRollupWorkspace;
  return { r, where: and(eq(r.workspaceId, args.workspaceId), gte(r.hour, args.since), lt(r.hour, args.now))! };
}

/**
 * Credits charged per day and kind: the last `days` calendar days in the viewer's time zone,
 * today included. Read from the hourly rollup (never the raw ledger), so it costs the same
 * whatever the ledger's size; days are hours regrouped in the viewer's zone.
 */
export async function usageByDay(db: Db, args: { workspaceId: string; viewerId: string; role: Role; now: Date; days: number; timeZone: string; mineOnly: boolean }) {
  const firstDay = windowStart(args.now, args.days, args.timeZone);
  const since = new Date(firstDay.getTime());
  const { r, where } = rollupFor({ ...args, since });
  const day = sql<string>`to_char(${r.hour} at time zone ${args.timeZone}, 'YYYY-MM-DD')`;
  const rows = await db
    .select({ day, kind: r.kind, total: sql<string>`sum(${r.charged})` })
    .from(r)
    .where(where)
    // By position: the day expression carries a parameter, and PostgreSQL does not treat
    // two separately bound copies of it as the same expression.
    .groupBy(sql`1`, sql`2`)
    .orderBy(sql`1`);
  const byDay = new Map<string, { day: string; message: number; integration: number }>();
  // Every day appears, even with nothing spent, so the chart's axis has no holes.
  for (let i = 0; i < args.days; i++) {
    const key = format(addDays(firstDay, i), "yyyy-MM-dd");
    byDay.set(key, { day: key, message: 0, integration: 0 });
  }
  for (const row of rows) {
    const entry = byDay.get(row.day) ?? { day: row.day, message: 0, integration: 0 };
    if (row.kind === "message" || row.kind === "integration") entry[row.kind] = Number(row.total);
    byDay.set(row.day, entry);
  }
  return [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
}

/** What the credits went on, per action, over the same window (from the rollup too). */
export async function breakdownByAction(db: Db, args: { workspaceId: string; viewerId: string; role: Role; now: Date; days: number; timeZone: string; mineOnly: boolean }) {
  const since = new Date(windowStart(args.now, args.days, args.timeZone).getTime());
  const { r, where } = rollupFor({ ...args, since });
  const rows = await db
    .select({ action: r.action, kind: r.kind, events: sql<string>`sum(${r.events})`, total: sql<string>`sum(${r.charged})` })
    .from(r)
    .where(where)
    .groupBy(r.action, r.kind)
    .orderBy(desc(sql`sum(${r.charged})`), r.action);
  return rows.map((x) => ({ action: x.action, kind: x.kind, events: Number(x.events), total: Number(x.total) }));
}

const actor = alias(users, "actor");
const payer = alias(users, "payer");

/** Ledger rows, newest first, with who acted, who paid and in which app. */
export async function listActivity(
  db: Db,
  args: { workspaceId: string; viewerId: string; role: Role; filters: ActivityFilters; limit: number; offset?: number },
) {
  return db
    .select({
      id: creditLedger.id,
      createdAt: creditLedger.createdAt,
      action: creditLedger.action,
      kind: creditLedger.kind,
      quantity: creditLedger.quantity,
      amount: creditLedger.amount,
      outcome: creditLedger.outcome,
      refusal: creditLedger.refusal,
      source: creditLedger.source,
      actorName: actor.name,
      // No paying person but a paying account: the workspace's shared pool.
      payerName: sql<string | null>`coalesce(${payer.name}, case when ${creditLedger.payerAccountId} is not null and ${creditLedger.payerUserId} is null then 'Shared pool' end)`,
      appName: apps.name,
    })
    .from(creditLedger)
    .leftJoin(actor, eq(actor.id, creditLedger.actorUserId))
    .leftJoin(payer, eq(payer.id, creditLedger.payerUserId))
    .leftJoin(apps, eq(apps.id, creditLedger.appId))
    .where(visible(args.workspaceId, args.viewerId, args.role, args.filters))
    .orderBy(desc(creditLedger.createdAt), desc(creditLedger.id))
    .limit(args.limit)
    .offset(args.offset ?? 0);
}
