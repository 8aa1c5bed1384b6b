import { DataTable } from "@/components/ui/data-table";
import type { Metadata } from "next";
import { LocalTime } from "@/components/local-time";
import { listAudit } from "@/lib/views/billing";
import { requireWorkspace } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Audit log" };

const labels: Record<string, string> = {
  "seat.added": "Added a paid seat",
  "seat.assigned": "Assigned a seat",
  "seat.transferred": "Transferred a seat",
  "seat.removal_scheduled": "Scheduled a seat's removal",
  "seat.removed": "Seat removed (scheduled)",
  "plan.upgraded": "Upgraded a seat",
  "plan.downgrade_scheduled": "Scheduled a downgrade",
  "plan.downgraded": "Seat downgraded (scheduled)",
  "plan.cancel_scheduled": "Scheduled a cancellation",
  "plan.cancelled": "Seat ended by cancellation",
  "plan.change_undone": "Undid a pending change",
  "member.added": "Added a member",
  "member.invited": "Invited someone",
  "member.joined": "Joined by invitation",
  "member.removed": "Removed a member",
  "member.role_changed": "Changed a role",
  "app.created": "Created an app",
  "app_key.created": "Created an app key",
};

function describe(details: Record<string, unknown>) {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
    .join(" · ");
}

export default async function AuditLogPage() {
  const { db, user, current } = await requireWorkspace();
  if (current.role === "member") {
    return (
      <div className="space-y-2">
        <h2 className="text-xl font-semibold">Audit log</h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Only the workspace owner and admins can see the audit log.</p>
      </div>
    );
  }
  const rows = await listAudit(db, current.workspaceId, user.id);
  return (
    <div className="space-y-4">
      <h2 className="text-xl font-semibold">Audit log</h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">Plan, seat and member changes in {current.name}, newest first.</p>
      <DataTable minWidth="40rem" columns={[{ label: "When" }, { label: "Who" }, { label: "What" }, { label: "Details" }]}>
            {rows.map((r) => (
              <tr key={r.id}>
                <td className="px-4 py-2 whitespace-nowrap"><LocalTime iso={r.createdAt.toISOString()} /></td>
                <td className="px-4 py-2">{r.actorName ?? "System (scheduled)"}</td>
                <td className="px-4 py-2">{labels[r.action] ?? r.action}</td>
                <td className="px-4 py-2 text-xs break-all text-zinc-600 dark:text-zinc-400">{describe(r.details)}</td>
              </tr>
            ))}
      </DataTable>
    </div>
  );
}
