import { asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps } from "@/db/schema";
import { planSpec } from "@/lib/credits/plans";
import type { AccountBalance } from "@/lib/credits/accounts";
import { getMemberBalance, getMemberBalances } from "@/lib/credits/balance";
import { listInvitations } from "@/lib/workspaces/invitations";
import { listMembers } from "@/lib/workspaces/members";
import { openRequests } from "@/lib/billing/requests/credit-requests";
import { requireRole } from "@/lib/workspaces/roles";
import { listSeats, seatBalance, type Seat } from "./billing";

/**
 * Settings → Members: every member with role and seat. Usage follows "who sees what": owners
 * and admins see everyone's, with the seats nobody holds and the open invitations; a member
 * sees their own only. Each balance is read once: a seat holder's balance is their seat's.
 */
export async function getMembersView(db: Db, { workspaceId, userId }: { workspaceId: string; userId: string }, now: Date) {
  const role = await requireRole(db, { workspaceId, userId }, ["owner", "admin", "member"], "see the members");
  const manager = role !== "member";
  const { seats } = await listSeats(db, workspaceId, now);
  const [members, balances] = await Promise.all([
    listMembers(db, workspaceId),
    manager ? getMemberBalances(db, workspaceId, now) : getMemberBalance(db, { workspaceId, userId }, now).then((b) => new Map([[userId, b]])),
  ]);
  const rows = members.map((m) => {
    const balance: AccountBalance | null = balances.get(m.userId) ?? null;
    const seat = seats.find((s) => s.holderUserId === m.userId);
    return { ...m, balance, seat: seat ? { ...seat, balance } : null };
  });
  const unassigned: Seat[] = manager ? await Promise.all(seats.filter((s) => s.type === "seat" && !s.holderUserId).map(async (s) => ({ ...s, balance: await seatBalance(db, s.id, now) }))) : [];
  const invitations = manager ? await listInvitations(db, { workspaceId, viewerId: userId }, now) : [];
  const requests = manager ? await openRequests(db, workspaceId, userId) : [];
  const owned = await db.select({ name: apps.name, ownerUserId: apps.ownerUserId }).from(apps).where(eq(apps.workspaceId, workspaceId)).orderBy(asc(apps.name));
  const free = planSpec("free");
  return {
    role,
    rows: rows.map((r) => ({ ...r, apps: owned.filter((a) => a.ownerUserId === r.userId).map((a) => a.name) })),
    unassigned,
    invitations,
    requests: requests.map((r) => ({ id: r.request.id, name: r.name, email: r.email, kind: r.request.kind, reason: r.request.reason, createdAt: r.request.createdAt.toISOString() })),
    withoutSeat: rows.filter((m) => !m.seat).map((m) => ({ userId: m.userId, name: m.name })),
    freeAllowance: { message: free.messageAllowance, integration: free.integrationAllowance },
  };
}
