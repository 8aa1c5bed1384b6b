import type { Metadata } from "next";
import { LocalTime } from "@/components/local-time";
import { listAudit } from "@/lib/billing";
import { requireWorkspace } from "@/lib/session";

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
      <div className="overflow-x-auto rounded-xl border border-zinc-200 dark:border-zinc-800">
        <table className="w-full min-w-[40rem] text-left text-sm">
          <thead className="bg-zinc-100 text-zinc-700 dark:bg-zinc-900 dark:text-zinc-300">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">When</th>
              <th scope="col" className="px-4 py-2 font-medium">Who</th>
              <th scope="col" className="px-4 py-2 font-medium">What</th>
              <th scope="col" className="px-4 py-2 font-medium">Details</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 bg-white dark:divide-zinc-800 dark:bg-zinc-950">
            {rows.map((r) => (
              <tr key={r.id}>
                <td className="px-4 py-2 whitespace-nowrap"><LocalTime iso={r.createdAt.toISOString()} /></td>
                <td className="px-4 py-2">{r.actorName ?? "System (scheduled)"}</td>
                <td className="px-4 py-2">{labels[r.action] ?? r.action}</td>
                <td className="px-4 py-2 text-xs break-all text-zinc-600 dark:text-zinc-400">{describe(r.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
