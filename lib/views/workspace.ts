import type { Db } from "@/db/client";
import { and, eq, sql } from "drizzle-orm";
import { creditLedger, plans, workspaces } from "@/db/schema";
import { listAppsWithUsage } from "@/lib/apps/apps";
import type { AccountBalance } from "@/lib/credits/accounts";
import { getMemberBalance, getMemberBalances } from "@/lib/credits/balance";
import { memberAllocations, type MemberAllocation } from "@/lib/credits/member-limits";
import { forecastFor, forecastsFor, type Forecasts } from "@/lib/credits/pace";
import { listMembers } from "@/lib/workspaces/members";
import { requireRole, type Role } from "@/lib/workspaces/roles";
import { breakdownByAction, listActivity, usageByDay, type ActivityFilters } from "./activity";

export const ACTIVITY_PAGE_SIZE = 50;

export interface MemberCredits {
  userId: string;
  name: string;
  email: string;
  role: Role;
  planName: string;
  onSeat: boolean;
  balance: AccountBalance;
  /** When each kind runs out at the last 7 days' pace (null: it lasts until the reset). */
  forecast: Forecasts;
}

/**
 * What Settings → Workspace shows: the viewer's own credits, and for owners and admins
 * every member's. Balances come from the engine; nothing is computed here.
 */
async function getWorkspaceCredits(db: Db, workspaceId: string, viewerId: string, now: Date) {
  const role = await requireRole(db, { workspaceId, userId: viewerId }, ["owner", "admin", "member"], "see this workspace");
  const planNames = new Map((await db.select({ id: plans.id, name: plans.name }).from(plans)).map((p) => [p.id, p.name]));
  const describe = (m: { userId: string; name: string; email: string; role: Role }, balance: AccountBalance, forecast: Forecasts): MemberCredits => ({
    ...m,
    balance,
    forecast,
    onSeat: balance.account.type !== "free",
    planName: planNames.get(balance.account.planId) ?? balance.account.planId,
  });
  const people = await listMembers(db, workspaceId);
  const meRow = people.find((p) => p.userId === viewerId)!;
  if (role === "member") {
    const mine = await getMemberBalance(db, { workspaceId, userId: viewerId }, now);
    return { role, me: describe(meRow, mine, await forecastFor(db, { workspaceId, userId: viewerId }, mine, now)), members: null };
  }
  const balances = await getMemberBalances(db, workspaceId, now);
  const forecasts = await forecastsFor(db, workspaceId, balances, now);
  const members = people.map((p) => describe(p, balances.get(p.userId)!, forecasts.get(p.userId)!));
  return { role, me: members.find((m) => m.userId === viewerId)!, members };
}

/**
 * Settings → Workspace: the viewer's credits (and every member's, for owners and admins),
 * 30 days of usage in the viewer's time zone, usage by app, and a page of activity.
 */
export async function getWorkspaceView(
  db: Db,
  { workspaceId, userId }: { workspaceId: string; userId: string },
  now: Date,
  opts: { filters: ActivityFilters; page: number; scope: "mine" | "workspace"; timeZone: string; readDb?: Db },
) {
  const { role, me, members } = await getWorkspaceCredits(db, workspaceId, userId, now);
  const mineOnly = opts.scope === "mine" || role === "member";
  const args = { workspaceId, viewerId: userId, role, now, days: 30, timeZone: opts.timeZone, mineOnly };
  // Charts, usage and activity may come from a read replica (`readDb`); balances never do.
  const reads = opts.readDb ?? db;
  const [days, actions, appUsage, activity] = await Promise.all([
    usageByDay(reads, args),
    breakdownByAction(reads, args),
    role === "member" ? Promise.resolve(null) : listAppsWithUsage(reads, workspaceId, now),
    listActivity(reads, { workspaceId, viewerId: userId, role, filters: opts.filters, limit: ACTIVITY_PAGE_SIZE + 1, offset: (opts.page - 1) * ACTIVITY_PAGE_SIZE }),
  ]);
  return {
    role,
    me,
    pool: me.balance.account.type === "pool" ? await poolView(db, workspaceId, me.balance, userId, role) : null,
    carried: me.balance.account.type === "seat" ? await carriedWithSeat(db, me.balance.account.id, me.balance.message.cycleStart, userId) : null,
    members,
    usage: { mineOnly, days, actions, appUsage },
    activity: { rows: activity.slice(0, ACTIVITY_PAGE_SIZE), more: activity.length > ACTIVITY_PAGE_SIZE },
  };
}

export type WorkspaceView = Awaited<ReturnType<typeof getWorkspaceView>>;

/**
 * A shared pool's part of the page: the viewer's own allocation (their limit, if any) and, for
 * owners and admins, every member's with the workspace's default limit.
 */
async function poolView(db: Db, workspaceId: string, pool: AccountBalance, viewerId: string, role: Role) {
  const staff = role !== "member";
  const allocations = await memberAllocations(db, workspaceId, pool.account.messageAllowance, pool.message.cycleStart, staff ? undefined : viewerId);
  const [ws] = await db.select({ defaultLimit: workspaces.memberMessageLimit, ownerId: workspaces.ownerId }).from(workspaces).where(eq(workspaces.id, workspaceId));
  return {
    mine: allocations.get(viewerId) ?? null,
    defaultLimit: ws?.defaultLimit ?? null,
    ownerId: ws?.ownerId ?? null,
    allocations: staff ? Object.fromEntries(allocations) as Record<string, MemberAllocation> : null,
  };
}

/**
 * What earlier holders of the viewer's seat used this cycle: a seat keeps its usage when it
 * moves, so the new holder's meter starts where the last one's stopped — said, not hidden.
 */
async function carriedWithSeat(db: Db, seatId: string, cycleStart: Date, viewerId: string) {
  const rows = await db
    .select({ kind: creditLedger.kind, total: sql<string>`coalesce(sum(coalesce(${creditLedger.fromAllowance}, ${creditLedger.amount})), 0)` })
    .from(creditLedger)
    .where(
      and(
        eq(creditLedger.payerAccountId, seatId),
        eq(creditLedger.cycleStart, cycleStart),
        eq(creditLedger.outcome, "charged"),
        sql`${creditLedger.payerUserId} is distinct from ${viewerId}`,
      ),
    )
    .groupBy(creditLedger.kind);
  const of = (k: string) => Number(rows.find((r) => r.kind === k)?.total ?? 0);
  return { message: of("message"), integration: of("integration") };
}
