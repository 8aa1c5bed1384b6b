import type { Db } from "@/db/client";
import { plans } from "@/db/schema";
import { listAppsWithUsage } from "@/lib/apps/apps";
import type { AccountBalance } from "@/lib/credits/accounts";
import { getMemberBalance, getMemberBalances } from "@/lib/credits/balance";
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
}

/**
 * What Settings → Workspace shows: the viewer's own credits, and for owners and admins
 * every member's. Balances come from the engine; nothing is computed here.
 */
async function getWorkspaceCredits(db: Db, workspaceId: string, viewerId: string, now: Date) {
  const role = await requireRole(db, { workspaceId, userId: viewerId }, ["owner", "admin", "member"], "see this workspace");
  const planNames = new Map((await db.select({ id: plans.id, name: plans.name }).from(plans)).map((p) => [p.id, p.name]));
  const describe = (m: { userId: string; name: string; email: string; role: Role }, balance: AccountBalance): MemberCredits => ({
    ...m,
    balance,
    onSeat: balance.account.type === "seat",
    planName: planNames.get(balance.account.planId) ?? balance.account.planId,
  });
  const people = await listMembers(db, workspaceId);
  const meRow = people.find((p) => p.userId === viewerId)!;
  if (role === "member") return { role, me: describe(meRow, await getMemberBalance(db, { workspaceId, userId: viewerId }, now)), members: null };
  const balances = await getMemberBalances(db, workspaceId, now);
  const members = people.map((p) => describe(p, balances.get(p.userId)!));
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
  opts: { filters: ActivityFilters; page: number; scope: "mine" | "workspace"; timeZone: string },
) {
  const { role, me, members } = await getWorkspaceCredits(db, workspaceId, userId, now);
  const mineOnly = opts.scope === "mine" || role === "member";
  const args = { workspaceId, viewerId: userId, role, now, days: 30, timeZone: opts.timeZone, mineOnly };
  const [days, actions, appUsage, activity] = await Promise.all([
    usageByDay(db, args),
    breakdownByAction(db, args),
    role === "member" ? Promise.resolve(null) : listAppsWithUsage(db, workspaceId, now),
    listActivity(db, { workspaceId, viewerId: userId, role, filters: opts.filters, limit: ACTIVITY_PAGE_SIZE + 1, offset: (opts.page - 1) * ACTIVITY_PAGE_SIZE }),
  ]);
  return {
    role,
    me,
    members,
    usage: { mineOnly, days, actions, appUsage },
    activity: { rows: activity.slice(0, ACTIVITY_PAGE_SIZE), more: activity.length > ACTIVITY_PAGE_SIZE },
  };
}

export type WorkspaceView = Awaited<ReturnType<typeof getWorkspaceView>>;
