/** Use case: move a paid seat from one member to another (its plan and this cycle's usage go with it). */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, seatTransfers } from "@/db/schema";
import { findAccount } from "@/lib/credits/accounts";
import { conflict, invalid, isUniqueViolation, notFound } from "@/lib/errors";
import { afterCommit } from "@/lib/events";
import { writeAudit } from "@/lib/workspaces/audit";
import { isMember, requireRole } from "@/lib/workspaces/roles";

const stale = () => conflict("This seat changed while you were looking at it. Reload and try again.");

/**
 * Gives a paid seat to another member (or assigns an unassigned one). The seat keeps its
 * plan and its usage row for the cycle, so the new holder gets what is left, not a fresh
 * allowance: moving seats around can never mint credits. The previous holder falls back to
 * their free allowance.
 */
export async function transferSeat(
  db: Db,
  args: { seatId: string; toUserId: string; byUserId: string; /** The holder the person saw (null: unassigned); omitted: whoever holds it now. */ fromUserId?: string | null },
  now: Date,
) {
  const seat = await findAccount(db, args.seatId);
  if (!seat || seat.type !== "seat" || seat.status !== "active" || !seat.workspaceId) throw notFound("Seat");
  const workspaceId = seat.workspaceId;
  await requireRole(db, { workspaceId: workspaceId, userId: args.byUserId }, ["owner", "admin"], "reassign paid seats");
  if (args.fromUserId !== undefined && args.fromUserId !== seat.holderUserId) throw stale();
  if (seat.holderUserId === args.toUserId) throw invalid("That member already holds this seat.");
  if (!(await isMember(db, { workspaceId: workspaceId, userId: args.toUserId }))) throw invalid("A seat can only be given to a member of this workspace.");
  try {
    const done = await db.transaction(async (tx) => {
      // Compare-and-set on the holder (unassigned included): two assignments or transfers of
      // one seat at once cannot both win.
      const [moved] = await tx
        .update(creditAccounts)
        .set({ holderUserId: args.toUserId })
        .where(
          and(
            eq(creditAccounts.id, seat.id),
            eq(creditAccounts.status, "active"),
            seat.holderUserId ? eq(creditAccounts.holderUserId, seat.holderUserId) : isNull(creditAccounts.holderUserId),
          ),
        )
        .returning();
      if (!moved) throw stale();
      const [transfer] = await tx
        .insert(seatTransfers)
        .values({ workspaceId, accountId: seat.id, fromUserId: seat.holderUserId, toUserId: args.toUserId, byUserId: args.byUserId, createdAt: now })
        .returning();
      await writeAudit(tx, {
        workspaceId,
        actorUserId: args.byUserId,
        action: seat.holderUserId ? "seat.transferred" : "seat.assigned",
        targetType: "seat",
        targetId: seat.id,
        details: { plan: seat.planId, fromUserId: seat.holderUserId, toUserId: args.toUserId },
        now,
      });
      return transfer!;
    });
    afterCommit([seat.holderUserId, args.toUserId]);
    return done;
  } catch (err) {
    if (isUniqueViolation(err, "credit_accounts_one_seat_per_member")) throw conflict("That member already holds a paid seat in this workspace.");
    throw err;
  }
}
