import { z } from "zod";
import type { ActivityFilters } from "@/lib/views/activity";

const filterSchema = z.object({
  kind: z.enum(["message", "integration", "none"]).optional().catch(undefined),
  outcome: z.enum(["charged", "free", "refused", "refused_credits", "refused_cap"]).optional().catch(undefined),
  member: z.string().uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
  scope: z.enum(["mine", "workspace"]).default("mine").catch("mine"),
});

/** Reads the activity filters from the query string; anything malformed is ignored, not an error. */
export function parseFilters(params: Record<string, string | string[] | undefined>) {
  const flat = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]).filter(([, v]) => v !== "" && v !== undefined));
  const f = filterSchema.parse(flat);
  const filters: ActivityFilters = { kind: f.kind, outcome: f.outcome, memberId: f.member };
  return { filters, page: f.page, scope: f.scope };
}

export function filterQuery(filters: ActivityFilters, extra: Record<string, string> = {}) {
  const q = new URLSearchParams();
  if (filters.kind) q.set("kind", filters.kind);
  if (filters.outcome) q.set("outcome", filters.outcome);
  if (filters.memberId) q.set("member", filters.memberId);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}
