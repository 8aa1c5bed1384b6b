/** The rules a seat's decisions check: the seat locked with its due changes applied, still there, its workspace, a switch due. */
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { workspaces } from "@/db/schema";
import type { Seat } from "./state-machine";
import { findAccount, hasTopUps } from "@/lib/credits/accounts";
import { lockAccount } from "@/lib/credits/locks";
import { settleDueChanges } from "@/lib/credits/scheduled-changes";
import { conflict, notFound } from "@/lib/errors";

/**
 * Locks an active seat (or a workspace's pool: it takes the same decisions, its plan being the
 * pool's credit level) for the rest of the transaction (lock order step 2), after applying its
 * changes that have come due (a removal that is due cannot be revived by a later decision).
 */
export async function lockSeat(tx: Db, seatId: string, now: Date): Promise<Seat> {
  if (!(await lockAccount(tx, seatId))) throw notFound("Seat");
  await settleDueChanges(tx, seatId, now);
  const seat = await findAccount(tx, seatId);
  if (!seat || !hasTopUps(seat) || seat.status !== "active" || !seat.workspaceId) throw notFound("Seat");
  return seat as Seat;
}

/** Why a seat cannot take a decision now (ended, or gone), or null; the seat is then locked. */
export async function seatProblem(tx: Db, seatId: string | null, now: Date): Promise<string | null> {
  if (!seatId) return "the seat is gone";
  try {
    const seat = await lockSeat(tx, seatId, now);
    // A switch of credit model that came due ends this seat (or pool): nothing may be bought for it now.
    return (await switchDue(tx, seat.workspaceId, now)) ? "the workspace's switch of credit model came due before the payment went through" : null;
  } catch (err) {
    if ((err as { code?: string }).code === "not_found") return "the seat ended before the payment went through";
    throw err;
  }
}

/** The seat's workspace, after applying (and committing) its changes that have come due. */
export async function activeSeatWorkspace(db: Db, seatId: string, now: Date): Promise<string> {
  await settleDueChanges(db, seatId, now);
  const seat = await findAccount(db, seatId);
  if (!seat || !hasTopUps(seat) || seat.status !== "active" || !seat.workspaceId) throw notFound("Seat");
  if (await switchDue(db, seat.workspaceId, now)) throw conflict("This workspace is switching its credit model right now. Reload the page and decide again.");
  return seat.workspaceId;
}

/** Whether the workspace's switch of credit model has come due and is not applied yet (pools.ts applies it). */
export async function switchDue(db: Db, workspaceId: string, now: Date): Promise<boolean> {
  const [ws] = await db.select({ at: workspaces.pendingModelAt }).from(workspaces).where(eq(workspaces.id, workspaceId));
  return !!ws?.at && ws.at <= now;
}
