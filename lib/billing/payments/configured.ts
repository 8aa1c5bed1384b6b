/** The payment provider this deployment is configured with. */
import { type PaymentProvider, testModeProviderWith } from "./provider";
import { stripeProvider } from "./stripe";
import { env } from "@/lib/env";

/** The provider configured for this process: Stripe with PAYMENTS=stripe, else test mode (its fault knobs only for tests). */
export function configuredProvider(): PaymentProvider {
  const config = env();
  if (config.PAYMENTS === "stripe") return stripeProvider();
  return testModeProviderWith({ delayMs: config.PAYMENT_TEST_DELAY_MS, declinePercent: config.PAYMENT_TEST_DECLINE_PERCENT });
}
