import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, planChanges } from "@/db/schema";
import { conflict, isUniqueViolation, notFound } from "@/lib/errors";
import { getAccount, type Account } from "./accounts";
import { PaymentDeclinedError, type PaymentProvider } from "./payments";
import { settleDueChanges, type PlanChange } from "./scheduled-changes";

/**
 * An owner's decision that costs money, in three steps: recorded (with its key, under the
 * seat's lock), paid (the provider charged with a key derived from it), applied (claimed once
 * from "paying" to "applied"). Any step can be retried by sending the same decision again.
 */

export async function findDecision(db: Db, workspaceId: string, key: string): Promise<PlanChange | undefined> {
  const [change] = await db.select().from(planChanges).where(and(eq(planChanges.workspaceId, workspaceId), eq(planChanges.decisionKey, key)));
  return change;
}

/** Records a decision to pay for; a concurrent copy of the same decision finds the first. */
export async function recordDecision(db: Db, workspaceId: string, key: string, record: (tx: Db) => Promise<PlanChange>): Promise<PlanChange> {
  const known = await findDecision(db, workspaceId, key);
  if (known) return known;
  try {
    return await db.transaction(record);
  } catch (err) {
    if (isUniqueViolation(err, "plan_changes_decision")) return (await findDecision(db, workspaceId, key))!;
    if (isUniqueViolation(err, "plan_changes_one_paying")) throw conflict("Another change to this seat is being paid for. Wait a moment, then reload.");
    throw err;
  }
}

/** Charges the provider for a recorded decision (idempotent by its key); a decline marks it failed. */
export async function pay(db: Db, change: PlanChange, description: string, provider: PaymentProvider, now: Date): Promise<string> {
  try {
    const { ref } = await provider.charge(db, { key: `plan_change:${change.id}`, workspaceId: change.workspaceId, amountCents: change.amountCents ?? 0, description });
    return ref;
  } catch (err) {
    await db.update(planChanges).set({ status: "failed", settledAt: now }).where(and(eq(planChanges.id, change.id), eq(planChanges.status, "paying")));
    if (err instanceof PaymentDeclinedError) throw conflict(`${err.message} Nothing was changed.`);
    throw err;
  }
}

/** Marks a paid decision applied, once: null when another request applied it first. */
export async function claim(tx: Db, change: PlanChange, providerRef: string, now: Date) {
  const [claimed] = await tx
    .update(planChanges)
    .set({ status: "applied", providerRef, settledAt: now })
    .where(and(eq(planChanges.id, change.id), eq(planChanges.status, "paying")))
    .returning();
  return claimed ?? null;
}

export function settled(change: PlanChange): PlanChange {
  if (change.status === "failed") throw conflict("The payment for this decision did not go through; nothing was changed.");
  return change;
}

export type Seat = Account & { workspaceId: string };

/**
 * Locks an active seat for the rest of the transaction, after applying its changes that have
 * come due (a removal that is due cannot be revived by a later decision).
 */
export async function lockSeat(tx: Db, seatId: string, now: Date): Promise<Seat> {
  const [row] = await tx.select({ id: creditAccounts.id }).from(creditAccounts).where(eq(creditAccounts.id, seatId)).for("update");
  if (!row) throw notFound("Seat");
  await settleDueChanges(tx, seatId, now);
  const seat = await getAccount(tx, seatId);
  if (seat.type !== "seat" || seat.status !== "active" || !seat.workspaceId) throw notFound("Seat");
  return seat as Seat;
}

/** The seat's workspace, after applying (and committing) its changes that have come due. */
export async function activeSeatWorkspace(db: Db, seatId: string, now: Date): Promise<string> {
  await settleDueChanges(db, seatId, now);
  const seat = await getAccount(db, seatId).catch(() => null);
  if (!seat || seat.type !== "seat" || !seat.workspaceId) throw notFound("Seat");
  return seat.workspaceId;
}
