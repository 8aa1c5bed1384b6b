import type { Db } from "@/db/client";
import { getMemberBalances } from "@/lib/credits/balance";
import { listMembers } from "@/lib/workspaces/members";
import { requireRole } from "@/lib/workspaces/roles";
import { listSeats, seatBalance, type Seat } from "./billing";

/**
 * Settings → Members: every member with role, seat and this cycle's usage; the seats nobody
 * holds. Each balance is read once: a seat holder's balance is their seat's.
 */
export async function getMembersView(db: Db, { workspaceId, userId }: { workspaceId: string; userId: string }, now: Date) {
  const role = await requireRole(db, { workspaceId, userId }, ["owner", "admin", "member"], "see the members");
  const { seats } = await listSeats(db, workspaceId, now);
  const [members, balances] = await Promise.all([listMembers(db, workspaceId), getMemberBalances(db, workspaceId, now)]);
  const rows = members.map((m) => {
    const balance = balances.get(m.userId)!;
    const seat = seats.find((s) => s.holderUserId === m.userId);
    return { ...m, balance, seat: seat ? ({ ...seat, balance } satisfies Seat) : null };
  });
  const unassigned: Seat[] = await Promise.all(seats.filter((s) => !s.holderUserId).map(async (s) => ({ ...s, balance: await seatBalance(db, s.id, now) })));
  return { role, rows, unassigned, withoutSeat: rows.filter((m) => !m.seat).map((m) => ({ userId: m.userId, name: m.name })) };
}
