import { getDb } from "@/lib/db";
import { jsonError } from "@/lib/api/http";
import { listActivity } from "@/lib/views/activity";
import { toCreditNumber } from "@/lib/credits/amounts";
import { currentWorkspace, getSessionUser } from "@/lib/auth/session";
import { csvCell } from "@/lib/format/csv";
import { parseFilters } from "../filters";

const MAX_ROWS = 100_000;

/** The activity list as CSV, with the same filters and the same visibility as the page. */
export async function GET(req: Request) {
  const user = await getSessionUser();
  if (!user) return jsonError(401, "unauthorized", "Sign in to export activity.");
  const db = await getDb();
  const url = new URL(req.url);
  const { filters } = parseFilters(Object.fromEntries(url.searchParams));
  const { current: ws } = await currentWorkspace(db, user.id);
  if (!ws) return jsonError(404, "not_found", "Workspace was not found.");
  const rows = await listActivity(db, { workspaceId: ws.workspaceId, viewerId: user.id, role: ws.role, filters, limit: MAX_ROWS });
  const header = ["time_utc", "action", "quantity", "kind", "outcome", "credits", "app", "actor", "paid_by", "source"];
  const lines = rows.map((r) =>
    [r.createdAt.toISOString(), r.action, r.quantity, r.kind, r.outcome, toCreditNumber(r.amount), r.appName, r.actorName, r.payerName, r.source].map(csvCell).join(","),
  );
  const name = `credits-activity-${ws.name.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}-${new Date().toISOString().slice(0, 10)}.csv`;
  return new Response([header.join(","), ...lines].join("\r\n") + "\r\n", {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"`, "Cache-Control": "no-store" },
  });
}
