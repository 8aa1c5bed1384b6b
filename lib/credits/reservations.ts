import { and, eq, lte, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { accountUsage, creditLedger, reservations, type LotParts } from "@/db/schema";
import { conflict, notFound } from "@/lib/errors";
import { afterCommit } from "@/lib/events";
import { getAccount } from "./accounts";
import type { CreditKind } from "./costs";
import { baseOf, findLedgerEvent, ledgerRow, type LedgerEvent } from "./ledger";
import { noticesAfterCharge } from "./notices";
import { holdAppUsage } from "./app-caps";
import { settleMemberHold } from "./member-limits";
import { returnToLots } from "./lots";
import { withRetry } from "./locks";
import { kindBalance, usageColumns } from "./usage";

/**
 * Reservations hold an AI action's credits while the model works: `reserveCredits` (in
 * debit.ts) takes them into `reserved`; the answer confirms them into `used`, a failure or a
 * timeout releases them. No charge without a result.
 */

/** How long an AI call may hold its reservation before the next read releases it. */
export const RESERVATION_TTL_MS = 2 * 60 * 1000;

/** Records the hold of a reservation taken in the same transaction. */
export async function holdReservation(
  tx: Db,
  hold: { accountId: string; cycleStart: Date; kind: CreditKind; amount: number; memberUserId?: string; fromAllowance?: number; lotParts?: LotParts },
  now: Date,
): Promise<string> {
  const [reservation] = await tx
    .insert(reservations)
    .values({ ...hold, expiresAt: new Date(now.getTime() + RESERVATION_TTL_MS), createdAt: now })
    .returning({ id: reservations.id });
  return reservation!.id;
}

async function reservedEvent(db: Db, reservationId: string): Promise<LedgerEvent> {
  const [event] = await db
    .select()
    .from(creditLedger)
    .where(and(eq(creditLedger.reservationId, reservationId), eq(creditLedger.outcome, "reserved")));
  if (!event) throw notFound("Reservation");
  return event;
}

/**
 * Moves a pending reservation to `status` and its amount out of `reserved` (into `used` on
 * confirm). The status check in the first update makes it happen once: a second confirm or
 * release (or a release after a confirm) finds nothing and gets null.
 */
async function settleReservation(tx: Db, held: LedgerEvent, reservationId: string, status: "confirmed" | "released", now: Date) {
  const [reservation] = await tx
    .update(reservations)
    .set({ status, settledAt: now })
    .where(and(eq(reservations.id, reservationId), eq(reservations.status, "pending")))
    .returning();
  if (!reservation) return null;
  const kind: CreditKind = reservation.kind === "integration" ? "integration" : "message";
  const c = usageColumns[kind];
  // Each part goes back where it came from: the allowance's part through `reserved`, the
  // top-ups' parts to their lots (on release; a confirmed charge keeps them spent).
  const amount = reservation.fromAllowance ?? reservation.amount;
  // The rows in a charge's order (locks.ts): the app's usage row, the member's, the payer's
  // usage row, then the lots. A held integration no longer counts against its app's cap.
  await returnAppHold(tx, held, reservation.amount);
  if (reservation.memberUserId) {
    await settleMemberHold(tx, { workspaceId: held.workspaceId, userId: reservation.memberUserId, cycleStart: reservation.cycleStart }, reservation.amount, status === "confirmed", now);
  }
  const moved =
    kind === "message"
      ? { messageReserved: sql`${c.reserved} - ${amount}`, ...(status === "confirmed" ? { messageUsed: sql`${c.used} + ${amount}` } : {}) }
      : { integrationReserved: sql`${c.reserved} - ${amount}`, ...(status === "confirmed" ? { integrationUsed: sql`${c.used} + ${amount}` } : {}) };
  const [row] = await tx
    .update(accountUsage)
    .set({ ...moved, updatedAt: now })
    .where(and(eq(accountUsage.accountId, reservation.accountId), eq(accountUsage.cycleStart, reservation.cycleStart)))
    .returning();
  if (status === "released") await returnToLots(tx, reservation.lotParts);
  return { reservation, kind, balance: kindBalance(row!, kind) };
}

class SettledError extends Error {}

/** A settled integration reservation no longer counts as held against its app's cap. */
function returnAppHold(tx: Db, held: LedgerEvent, amount: number) {
  if (held.kind !== "integration" || !held.appId || !held.payerAccountId || !held.cycleStart) return;
  return holdAppUsage(tx, { appId: held.appId, payerAccountId: held.payerAccountId, cycleStart: held.cycleStart, amount: -amount });
}

/** The follow-up rows of a reservation that drew top-ups say so too (the consistency check reads them). */
const drawOf = (held: LedgerEvent) => (held.fromAllowance === null ? undefined : { fromAllowance: held.fromAllowance, lotParts: held.lotParts ?? [] });

/** Turns a reservation into a charge. Confirming twice is harmless; confirming a released one is refused. */
export async function confirmReservation(db: Db, reservationId: string, now: Date): Promise<LedgerEvent> {
  const held = await reservedEvent(db, reservationId);
  const key = `${held.idempotencyKey}:confirm`;
  try {
    // Rerun whole after a deadlock PostgreSQL broke (see locks.ts), as a charge is.
    const confirmed = await withRetry(() => db.transaction(async (tx) => {
      const settled = await settleReservation(tx, held, reservationId, "confirmed", now);
      if (!settled) throw new SettledError();
      const { reservation, kind, balance } = settled;
      const [event] = await tx
        .insert(creditLedger)
        .values(ledgerRow(baseOf(held, key, now), { kind, amount: held.amount, outcome: "charged", balance, draw: drawOf(held) }))
        .returning();
      const account = await getAccount(tx, reservation.accountId);
      await noticesAfterCharge(tx, { account, workspaceId: held.workspaceId, kind, cycleStart: reservation.cycleStart, balance, amount: reservation.amount }, now);
      return event!;
    }));
    // Told after COMMIT, never before: a page must not refetch a balance that is not there yet.
    afterCommit([held.payerUserId, held.actorUserId]);
    return confirmed;
  } catch (err) {
    if (!(err instanceof SettledError)) throw err;
    const done = await findLedgerEvent(db, key);
    if (done) return done;
    throw conflict("This reservation expired and was released before it could be confirmed; nothing was charged.");
  }
}

/**
 * Gives a reservation's credits back (the AI call failed or timed out). Idempotent: a
 * reservation is released at most once, and never after it was confirmed.
 */
export async function releaseReservation(db: Db, reservationId: string, now: Date): Promise<boolean> {
  const held = await reservedEvent(db, reservationId);
  const released = await withRetry(() => db.transaction(async (tx) => {
    const settled = await settleReservation(tx, held, reservationId, "released", now);
    if (!settled) return false;
    await tx
      .insert(creditLedger)
      .values(ledgerRow(baseOf(held, `${held.idempotencyKey}:release`, now), { kind: settled.kind, amount: held.amount, outcome: "released", balance: settled.balance, draw: drawOf(held) }));
    return true;
  }));
  if (released) afterCommit([held.payerUserId, held.actorUserId]);
  return released;
}

/** Releases the account's reservations that outlived their expiry. Returns how many. */
export async function releaseExpiredReservations(db: Db, accountId: string, now: Date): Promise<number> {
  const expired = await db
    .select({ id: reservations.id })
    .from(reservations)
    .where(and(eq(reservations.accountId, accountId), eq(reservations.status, "pending"), lte(reservations.expiresAt, now)));
  let released = 0;
  for (const r of expired) if (await releaseReservation(db, r.id, now)) released++;
  return released;
}
