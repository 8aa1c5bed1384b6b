import { formatCredits } from "@/lib/credits/amounts";

/** "1,500 integration and 50 message top-up credits", or null when there are none. */
export function topUpsText(message: number, integration: number): string | null {
  const parts = [integration > 0 ? `${formatCredits(integration)} integration` : null, message > 0 ? `${formatCredits(message)} message` : null].filter(Boolean);
  return parts.length ? `${parts.join(" and ")} top-up credits` : null;
}
