import type { Millicredits } from "./amounts";

/** The two kinds of credit. A free action has kind null here (and "none" in the ledger). */
export type CreditKind = "message" | "integration";

export type ActionName =
  | "message.discuss"
  | "message.implement"
  | "edit.manual"
  | "integration.llm"
  | "integration.image"
  | "integration.file_upload"
  | "integration.api_call"
  | "integration.email"
  | "integration.email_custom_domain";

export interface ActionCost {
  /** Which balance pays; null for free actions. */
  kind: CreditKind | null;
  /** Cost of one unit, in millicredits. */
  unit: Millicredits;
  label: string;
}

/** The one table of what each action costs. Nothing else in the codebase states a price. */
export const COSTS: Readonly<Record<ActionName, ActionCost>> = {
  "message.discuss": { kind: "message", unit: 300, label: "Discussion message" },
  "message.implement": { kind: "message", unit: 1000, label: "Implement a suggested change" },
  "edit.manual": { kind: null, unit: 0, label: "Manual edit in the visual editor" },
  "integration.llm": { kind: "integration", unit: 1000, label: "LLM call" },
  "integration.image": { kind: "integration", unit: 1000, label: "Image generation" },
  "integration.file_upload": { kind: "integration", unit: 1000, label: "File upload" },
  "integration.api_call": { kind: "integration", unit: 1000, label: "External API call" },
  "integration.email": { kind: "integration", unit: 1000, label: "Send email" },
  "integration.email_custom_domain": {
    kind: "integration",
    unit: 2000,
    label: "Send email from a custom domain",
  },
};

export const ACTION_NAMES = Object.keys(COSTS) as ActionName[];

export const INTEGRATION_ACTIONS = ACTION_NAMES.filter((a) => COSTS[a].kind === "integration");

export function isActionName(value: unknown): value is ActionName {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(COSTS, value);
}

/** Total cost of `quantity` units of an action. */
export function costOf(action: ActionName, quantity = 1): Millicredits {
  if (!Number.isSafeInteger(quantity) || quantity < 1) {
    throw new RangeError(`quantity must be a positive integer, got ${quantity}`);
  }
  return COSTS[action].unit * quantity;
}

/**
 * The cheapest action of each kind. Less than this left is nothing a person can spend: the
 * screens and the 100% notice treat it as used up.
 */
export const CHEAPEST: Readonly<Record<CreditKind, Millicredits>> = {
  message: Math.min(...ACTION_NAMES.filter((a) => COSTS[a].kind === "message").map((a) => COSTS[a].unit)),
  integration: Math.min(...INTEGRATION_ACTIONS.map((a) => COSTS[a].unit)),
};

