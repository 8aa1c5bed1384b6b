import type { Metadata } from "next";
import { LocalTime } from "@/components/local-time";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/surface";
import { readDbForViewer, requireWorkspace } from "@/lib/auth/session";
import { AsOfNotice } from "@/components/replica-notice";
import { getAuditLogView } from "@/lib/views/audit-log";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditLogPage() {
  const { user, current } = await requireWorkspace();
  const reads = await readDbForViewer();
  const view = await getAuditLogView(reads.db, { workspaceId: current.workspaceId, userId: user.id, role: current.role });
  if (!view.visible) {
    return (
      <div className="space-y-2">
        <h2 className="text-xl font-semibold">Audit log</h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Only the workspace owner and admins can see the audit log.</p>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <h2 className="text-xl font-semibold">Audit log</h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">Plan, seat and member changes in {current.name}, newest first.</p>
      <AsOfNotice asOf={reads.asOf} what="This log is" />
      {view.rows.length === 0 ? (
        <EmptyState>Nothing yet. Plan, seat, member, app and top-up changes will be listed here, with who made them and when.</EmptyState>
      ) : (
        <DataTable minWidth="36rem" columns={[{ label: "When" }, { label: "Who" }, { label: "What" }]}>
          {view.rows.map((r) => (
            <tr key={r.id}>
              <td className="px-4 py-2 whitespace-nowrap">
                <LocalTime iso={r.createdAt.toISOString()} />
              </td>
              <td className="px-4 py-2">{r.who}</td>
              <td className="px-4 py-2">
                {r.what}
                {r.effectiveAt ? (
                  <>
                    , on <LocalTime iso={r.effectiveAt} />
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
