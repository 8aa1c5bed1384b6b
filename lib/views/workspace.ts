import { asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, plans, users } from "@/db/schema";
import type { AccountBalance } from "@/lib/credits/accounts";
import { getMemberBalance, getMemberBalances } from "@/lib/credits/balance";
import { requireRole, type Role } from "@/lib/workspaces/roles";

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
export async function getWorkspaceCredits(db: Db, workspaceId: string, viewerId: string, now: Date) {
  const role = await requireRole(db, { workspaceId: workspaceId, userId: viewerId }, ["owner", "admin", "member"], "see this workspace");
  const planNames = new Map((await db.select({ id: plans.id, name: plans.name }).from(plans)).map((p) => [p.id, p.name]));
  const describe = (m: { userId: string; name: string; email: string; role: Role }, balance: AccountBalance): MemberCredits => ({
    ...m,
    balance,
    onSeat: balance.account.type === "seat",
    planName: planNames.get(balance.account.planId) ?? balance.account.planId,
  });
  const people = await db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, workspaceId))
    .orderBy(asc(users.name));
  const meRow = people.find((p) => p.userId === viewerId)!;
  if (role === "member") return { role, me: describe(meRow, await getMemberBalance(db, { workspaceId: workspaceId, userId: viewerId }, now)), members: null };
  const balances = await getMemberBalances(db, workspaceId, now);
  const members = people.map((p) => describe(p, balances.get(p.userId)!));
  return { role, me: members.find((m) => m.userId === viewerId)!, members };
}
