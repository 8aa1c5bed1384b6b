import { cookies } from "next/headers";
import { apiRoute } from "@/lib/api/route";
import { readDbForViewer } from "@/lib/auth/session";
import { listActivity } from "@/lib/views/activity";
import { toCreditNumber } from "@/lib/credits/amounts";
import { csvCell } from "@/lib/format/csv";
import { safeTimeZone } from "@/lib/format/time";
import { parseFilters } from "../filters";

const MAX_ROWS = 100_000;

/** The activity list as CSV, with the same filters and the same visibility as the page. */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "required", workspace: true, signInMessage: "Sign in to export activity." }, async (req, { user, workspace }) => {
  const ws = workspace!;
  const { filters } = parseFilters(Object.fromEntries(new URL(req.url).searchParams));
  // A long read: from the replica when there is one (it says how recent it is in a header).
  const reads = await readDbForViewer();
  const rows = await listActivity(reads.db, { workspaceId: ws.workspaceId, viewerId: user!.id, role: ws.role, filters, limit: MAX_ROWS });
  // "credits" is what was charged (0 for a refusal or a free action), so summing the column
  // gives the total spent; what a refused call asked for is in "requested_credits".
  const header = ["time_utc", "action", "quantity", "kind", "outcome", "refusal_reason", "credits", "requested_credits", "app", "actor", "paid_by", "source"];
  const lines = rows.map((r) =>
    [r.createdAt.toISOString(), r.action, r.quantity, r.kind, r.outcome, r.outcome === "refused" ? (r.refusal ?? "insufficient_credits") : "", r.outcome === "charged" ? toCreditNumber(r.amount) : 0, toCreditNumber(r.amount), r.appName, r.actorName, r.payerName, r.source]
      .map(csvCell)
      .join(","),
  );
  // The date in the name is the viewer's today, not UTC's.
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: safeTimeZone((await cookies()).get("tz")?.value) }).format(new Date());
  const name = `credits-activity-${ws.name.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}-${today}.csv`;
  return new Response([header.join(","), ...lines].join("\r\n") + "\r\n", {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"`, "Cache-Control": "no-store", ...(reads.asOf ? { "X-Data-As-Of": reads.asOf.toISOString() } : {}) },
  });
});
