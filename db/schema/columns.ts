import {
  bigint,
  pgEnum,
  timestamp,
} from "drizzle-orm/pg-core";

export interface AppDesign {
  title: string;
  tagline: string;
  accent: string;
}

/** Millicredits: integers, stored as bigint and read as JS numbers (well inside 2^53). */
export const mc = (name: string) => bigint(name, { mode: "number" });
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const memberRole = pgEnum("member_role", ["owner", "admin", "member"]);
export const cadence = pgEnum("cadence", ["monthly", "daily"]);
export const accountType = pgEnum("account_type", ["seat", "free", "pool"]);
/** How a workspace holds its credits: a seat per paid person, or one pool every member draws from. */
export const creditModel = pgEnum("credit_model", ["seats", "pool"]);
export const accountStatus = pgEnum("account_status", ["active", "removed"]);
export const creditKind = pgEnum("credit_kind", ["message", "integration", "none"]);
export const ledgerOutcome = pgEnum("ledger_outcome", [
  "charged",
  "free",
  "refused",
  "reserved",
  "released",
]);
export const reservationStatus = pgEnum("reservation_status", ["pending", "confirmed", "released"]);
export const planChangeKind = pgEnum("plan_change_kind", [
  "add_seat",
  "start_pool",
  "upgrade",
  "downgrade",
  "remove_seat",
  "cancel",
  "top_up",
]);
/**
 * A plan change's state. A decision that costs money moves recorded → paying → paid → applied,
 * or ends failed (declined: nothing charged, nothing applied) or voided (could not apply:
 * refunded if money moved). A change for a cycle's end is scheduled → applied, undone, or
 * replaced (by a cancellation; a resume puts it back). Text with a check (not an enum) so
 * partial unique indexes can name the states.
 */
export const PLAN_CHANGE_STATUSES = ["recorded", "paying", "paid", "applied", "failed", "voided", "scheduled", "undone", "replaced"] as const;
/** The states of a decision still on its way (a job drives each to applied, failed or voided). */
export const IN_FLIGHT_STATUSES = ["recorded", "paying", "paid"] as const;


/** Where a charge's credits came from beyond the cycle allowance: one entry per top-up lot drawn. */
export type LotParts = { lotId: string; amount: number }[];

/** An owner's auto top-up choice for one kind of a seat: below `threshold` available, buy `packs`, at most `maxPerCycle` times. */
export interface AutoTopUp {
  enabled: boolean;
  threshold: number;
  packs: number;
  maxPerCycle: number;
  /** Why it was switched off by the system (a failed payment), for the owner to read. */
  disabledReason?: string | null;
}
export type AutoTopUps = Partial<Record<"message" | "integration", AutoTopUp>>;
