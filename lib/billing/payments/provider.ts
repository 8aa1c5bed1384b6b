/** The payment provider interface, its errors, and the labelled test-mode provider. */
import { createHash } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { paymentCharges } from "@/db/schema";

/** The payment provider behind owners' decisions, and the test-mode provider that is the default. */

export interface ChargeRequest {
  /** The decision being paid for: a second charge with the same key returns the first. */
  key: string;
  workspaceId: string;
  amountCents: number;
  description: string;
}

/**
 * No card data ever passes through this app: a real provider would hand back a reference from
 * its own hosted checkout. Charges carry the decision's key, which the provider honours as its
 * idempotency key, so a decision retried (by a job, after a crash) or sent twice is charged once;
 * refunds carry it too, so a refund retried refunds once.
 */
export interface PaymentProvider {
  readonly name: string;
  readonly testMode: boolean;
  charge(db: Db, request: ChargeRequest): Promise<{ ref: string }>;
  /** Refunds the charge made with `key`, once; null when nothing was charged with that key. */
  refund(db: Db, request: { key: string; workspaceId: string }): Promise<{ ref: string } | null>;
  /**
   * Where the payment made with `key` stands now, at the provider (null: it never heard of it).
   * A provider whose payments can wait on the payer (a bank's confirmation) has this; a decision
   * asks it before charging again, so an answer that came later (by webhook) is not missed.
   */
  status?(db: Db, request: { key: string; workspaceId: string }): Promise<PaymentState | null>;
}

export type PaymentState =
  | { state: "succeeded"; ref: string }
  | { state: "requires_action"; ref: string }
  | { state: "failed"; reason: string }
  | { state: "pending" };

/** The payer's bank asks them to confirm this payment (3-D Secure): it waits for the owner. */
export class PaymentActionRequiredError extends Error {
  constructor(readonly ref: string) {
    super("The bank asks the card holder to confirm this payment.");
    this.name = "PaymentActionRequiredError";
  }
}

/** The provider said no (a declined card): final, never retried. */
export class PaymentDeclinedError extends Error {
  constructor(message = "The payment was declined.") {
    super(message);
    this.name = "PaymentDeclinedError";
  }
}

/**
 * Confirms every charge at once and moves no money. Labelled as test mode wherever shown. It
 * records what it accepted (`payment_charges`), keyed by the decision, so tests and the
 * operator can count charges and refunds. `delayMs` makes it answer late (after recording the
 * charge, as a real provider that charged but whose answer is slow) and `declinePercent`
 * declines that share of keys, for fault tests (PAYMENT_TEST_DELAY_MS, PAYMENT_TEST_DECLINE_PERCENT).
 */
export function testModeProviderWith(opts: { delayMs?: number; declinePercent?: number } = {}): PaymentProvider {
  const pause = () => (opts.delayMs ? new Promise((r) => setTimeout(r, opts.delayMs)) : undefined);
  // The same key always gets the same answer, as a card would: a retried decline declines again.
  const declines = (key: string) => !!opts.declinePercent && createHash("sha256").update(key).digest().readUInt32BE(0) % 100 < opts.declinePercent;
  return {
    name: "Test mode (no real payments)",
    testMode: true,
    async charge(db, request) {
      if (declines(request.key)) throw new PaymentDeclinedError("The test card was declined.");
      const [row] = await db
        .insert(paymentCharges)
        .values({ key: request.key, workspaceId: request.workspaceId, amountCents: request.amountCents, description: request.description })
        .onConflictDoUpdate({ target: paymentCharges.key, set: { key: request.key } })
        .returning({ id: paymentCharges.id });
      await pause();
      return { ref: `test_${row!.id}` };
    },
    async refund(db, request) {
      await db.update(paymentCharges).set({ refundedAt: new Date() }).where(and(eq(paymentCharges.key, request.key), isNull(paymentCharges.refundedAt)));
      const [row] = await db.select({ id: paymentCharges.id }).from(paymentCharges).where(eq(paymentCharges.key, request.key));
      return row ? { ref: `test_refund_${row.id}` } : null;
    },
  };
}

export const testModeProvider: PaymentProvider = testModeProviderWith();
