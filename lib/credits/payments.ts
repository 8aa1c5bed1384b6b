import type { Db } from "@/db/client";
import { paymentCharges } from "@/db/schema";

export interface ChargeRequest {
  /** The decision being paid for: a second charge with the same key returns the first. */
  key: string;
  workspaceId: string;
  amountCents: number;
  description: string;
}

/**
 * The payment provider behind plan changes. No card data ever passes through this app: a
 * real provider would hand back a reference from its own hosted checkout. Charges carry the
 * decision's key, which the provider honours as its idempotency key, so a decision retried
 * or sent twice is charged once.
 */
export interface PaymentProvider {
  readonly name: string;
  readonly testMode: boolean;
  charge(db: Db, request: ChargeRequest): Promise<{ ref: string }>;
}

export class PaymentDeclinedError extends Error {
  constructor(message = "The payment was declined.") {
    super(message);
    this.name = "PaymentDeclinedError";
  }
}

/**
 * Confirms every charge at once and moves no money. Labelled as test mode wherever shown. It
 * records what it accepted (`payment_charges`), keyed by the decision, so tests and the
 * operator can count charges.
 */
export const testModeProvider: PaymentProvider = {
  name: "Test mode (no real payments)",
  testMode: true,
  async charge(db, request) {
    const [row] = await db
      .insert(paymentCharges)
      .values({ key: request.key, workspaceId: request.workspaceId, amountCents: request.amountCents, description: request.description })
      .onConflictDoUpdate({ target: paymentCharges.key, set: { key: request.key } })
      .returning({ id: paymentCharges.id });
    return { ref: `test_${row!.id}` };
  },
};
