import { createHash } from "node:crypto";
import type { Db } from "@/db/client";
import { DomainError, invalid } from "@/lib/errors";
import { getAccount, type Account, type KindBalance } from "./accounts";
import { COSTS, type ActionName, type CreditKind } from "./costs";
import { balanceOfEvent, findLedgerEvent, type LedgerEvent } from "./ledger";

/** What a charge is asked to do, how it answers, and how a retried request is recognised. */

export const MAX_QUANTITY = 1_000_000;
/** The longest idempotency key a caller may send (the API's header, the editor's request id). */
export const MAX_KEY_LENGTH = 200;
/** The caller's key with its scope in front ("app:<uuid>:" or "user:<uuid>:"). */
const MAX_SCOPED_KEY_LENGTH = MAX_KEY_LENGTH + 64;

export interface DebitInput {
  /** Idempotency key, already scoped by the caller ("app:<id>:<key>", "user:<id>:<key>"). */
  key: string;
  action: ActionName;
  quantity?: number;
  workspaceId: string;
  /** The person who acted; null when a published app's end user triggered it. */
  actorUserId: string | null;
  appId?: string | null;
  source?: "editor" | "api";
  /**
   * When the caller stops waiting. A charge that cannot commit before it is abandoned in the
   * database (never charged after its caller was told it failed).
   */
  deadline?: Date;
  /** What else makes this request this request (a manual edit's field and value): part of its hash. */
  details?: string;
  /**
   * The app owner's account and the app's cap, when the caller already has them from the
   * query that found the app (the metering API, with the key). Saves the hot path a round trip.
   */
  payer?: Account;
  appCap?: number | null;
  /** With `payer`: when the app's workspace switches credit model (a known payer is stale from then on). */
  switchAt?: Date | null;
  /**
   * The app key the call came with (the metering API). The charge locks the key's row (FOR
   * SHARE) in its own transaction and refuses a revoked key: a revoke that commits first stops
   * it, and a revoke that comes after waits for it. No charge commits after a revoke commits,
   * however long the caller kept what it knew of the key.
   */
  keyId?: string;
}

export type Refusal = "insufficient_credits" | "app_cap_reached" | "member_limit";

export type DebitResult =
  | { outcome: "charged" | "free" | "reserved"; replay: boolean; event: LedgerEvent; balance: KindBalance }
  /** `resetsAt`: when the refused kind's cycle ends and the full allowance is back. */
  | { outcome: "refused"; replay: boolean; event: LedgerEvent; balance: KindBalance; kind: CreditKind; resetsAt: Date; refusal: Refusal };

export class IdempotencyConflictError extends DomainError {
  constructor() {
    super("idempotency_conflict", "This idempotency key was already used for a different request.");
  }
}

/** The hash that tells "the same request again" from "another request with the same key". */
export function requestHash(input: DebitInput): string {
  const canonical = JSON.stringify([input.action, input.quantity ?? 1, input.workspaceId, input.appId ?? null, input.actorUserId ?? null, ...(input.details ? [input.details] : [])]);
  return createHash("sha256").update(canonical).digest("hex");
}

export function validate(input: DebitInput): number {
  const quantity = input.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw invalid(`Quantity must be a whole number from 1 to ${MAX_QUANTITY.toLocaleString("en-US")}.`);
  }
  if (!(input.action in COSTS)) throw invalid(`Unknown action "${String(input.action)}".`);
  if (!input.key || input.key.length > MAX_SCOPED_KEY_LENGTH) throw invalid(`An idempotency key of 1 to ${MAX_KEY_LENGTH} characters is required.`);
  return quantity;
}

/** A replay: the first result for this key, rebuilt from its ledger row. Charges nothing. */
export async function findReplay(db: Db, input: DebitInput, hash: string): Promise<DebitResult | null> {
  const event = await findLedgerEvent(db, input.key);
  if (!event) return null;
  if (event.requestHash !== hash) throw new IdempotencyConflictError();
  return replayOf(db, event);
}

/** The answer a ledger row gives when its request comes again (`accountOf`: how to read its payer). */
export async function replayOf(db: Db, event: LedgerEvent, accountOf: (id: string) => Promise<Account> = (id) => getAccount(db, id)): Promise<DebitResult> {
  const balance = balanceOfEvent(event, event.payerAccountId ? await accountOf(event.payerAccountId) : null);
  if (event.outcome === "refused") {
    return { outcome: "refused", replay: true, event, balance, kind: balance.kind, resetsAt: balance.cycleEnd, refusal: event.refusal ?? "insufficient_credits" };
  }
  const outcome = event.outcome === "reserved" ? "reserved" : event.outcome === "free" ? "free" : "charged";
  return { outcome, replay: true, event, balance };
}
