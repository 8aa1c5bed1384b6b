import { TZDate } from "@date-fns/tz";
import { addDays, format, startOfDay, subDays } from "date-fns";
import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { apps, creditLedger, usageRollup, users } from "@/db/schema";
import type { Role } from "@/lib/workspaces/roles";

export interface ActivityFilters {
  kind?: "message" | "integration" | "none";
  outcome?: "charged" | "free" | "refused";
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
    filters.outcome ? eq(creditLedger.outcome, filters.outcome) : undefined,
    filters.memberId ? or(eq(creditLedger.actorUserId, filters.memberId), eq(creditLedger.payerUserId, filters.memberId)) : undefined,
  ];
  return and(...parts.filter((p): p is SQL => !!p))!;
}

/** Who may see a rollup row: as `visible`, on the rollup's actor and payer. */
function visibleRollup(workspaceId: string, viewerId: string, mineOnly: boolean): SQL {
  return and(
    eq(usageRollup.workspaceId, workspaceId),
    mineOnly ? or(eq(usageRollup.actorUserId, viewerId), eq(usageRollup.payerUserId, viewerId)) : undefined,
  )!;
}

/**
 * Credits charged per day and kind: the last `days` calendar days in the viewer's time zone,
 * today included. Read from the hourly rollup (never the raw ledger), so it costs the same
 * whatever the ledger's size; days are hours regrouped in the viewer's zone.
 */
export async function usageByDay(db: Db, args: { workspaceId: string; viewerId: string; role: Role; now: Date; days: number; timeZone: string; mineOnly: boolean }) {
  const firstDay = windowStart(args.now, args.days, args.timeZone);
  const since = new Date(firstDay.getTime());
  const day = sql<string>`to_char(${usageRollup.hour} at time zone ${args.timeZone}, 'YYYY-MM-DD')`;
  const rows = await db
    .select({ day, kind: usageRollup.kind, total: sql<string>`sum(${usageRollup.charged})` })
    .from(usageRollup)
    .where(and(visibleRollup(args.workspaceId, args.viewerId, args.mineOnly || args.role === "member"), gte(usageRollup.hour, since), lt(usageRollup.hour, args.now)))
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
  for (const r of rows) {
    const entry = byDay.get(r.day) ?? { day: r.day, message: 0, integration: 0 };
    if (r.kind === "message" || r.kind === "integration") entry[r.kind] = Number(r.total);
    byDay.set(r.day, entry);
  }
  return [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
}

/** What the credits went on, per action, over the same window (from the rollup too). */
export async function breakdownByAction(db: Db, args: { workspaceId: string; viewerId: string; role: Role; now: Date; days: number; timeZone: string; mineOnly: boolean }) {
  const since = new Date(windowStart(args.now, args.days, args.timeZone).getTime());
  const rows = await db
    .select({ action: usageRollup.action, kind: usageRollup.kind, events: sql<string>`sum(${usageRollup.events})`, total: sql<string>`sum(${usageRollup.charged})` })
    .from(usageRollup)
    .where(and(visibleRollup(args.workspaceId, args.viewerId, args.mineOnly || args.role === "member"), gte(usageRollup.hour, since), lt(usageRollup.hour, args.now)))
    .groupBy(usageRollup.action, usageRollup.kind)
    .orderBy(desc(sql`sum(${usageRollup.charged})`), usageRollup.action);
  return rows.map((r) => ({ action: r.action, kind: r.kind, events: Number(r.events), total: Number(r.total) }));
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
      source: creditLedger.source,
      actorName: actor.name,
      payerName: payer.name,
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

export type ActivityRow = Awaited<ReturnType<typeof listActivity>>[number];
