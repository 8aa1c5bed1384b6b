import { randomUUID } from "node:crypto";

export interface ChargeRequest {
  workspaceId: string;
  amountCents: number;
  description: string;
}

/**
 * The payment provider behind plan changes. No card data ever passes through this app: a
 * real provider would hand back a reference from its own hosted checkout.
 */
export interface PaymentProvider {
  readonly name: string;
  readonly testMode: boolean;
  charge(request: ChargeRequest): Promise<{ ref: string }>;
}

/** Confirms every charge at once and moves no money. Labelled as test mode wherever shown. */
export const testModeProvider: PaymentProvider = {
  name: "Test mode (no real payments)",
  testMode: true,
  async charge() {
    return { ref: `test_${randomUUID()}` };
  },
};
