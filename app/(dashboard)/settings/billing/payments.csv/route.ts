import { apiRoute } from "@/lib/api/route";
import { csvCell } from "@/lib/format/csv";
import { listPayments } from "@/lib/views/payments";

/** The payment history as CSV (owners and admins): one line per charge or refund, amounts in dollars. */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "required", workspace: true, signInMessage: "Sign in to export payments." }, async (_req, { db, user, workspace }) => {
  const ws = workspace!;
  const rows = await listPayments(db, { workspaceId: ws.workspaceId, userId: user!.id });
  const header = ["time_utc", "type", "what", "for", "amount_usd", "status", "reference"];
  const lines = rows.map((r) => [r.at.toISOString(), r.type, r.what, r.seat ?? "unassigned seat", (r.amountCents / 100).toFixed(2), r.status, r.providerRef].map(csvCell).join(","));
  const name = `credits-payments-${ws.name.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}.csv`;
  return new Response([header.join(","), ...lines].join("\r\n") + "\r\n", {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"`, "Cache-Control": "no-store" },
  });
});
