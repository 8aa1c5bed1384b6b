import type { Db } from "@/db/client";
import { auditLabel, listAudit } from "@/lib/workspaces/audit";
import type { Role } from "@/lib/workspaces/roles";

function describe(details: Record<string, unknown>) {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
    .join(" · ");
}

/** Settings → Audit log: for owners and admins; members are told it is not theirs to see. */
export async function getAuditLogView(db: Db, { workspaceId, userId, role }: { workspaceId: string; userId: string; role: Role }) {
  if (role === "member") return { visible: false as const };
  const rows = await listAudit(db, { workspaceId, viewerId: userId });
  return {
    visible: true as const,
    rows: rows.map((r) => ({ id: r.id, createdAt: r.createdAt, who: r.actorName ?? "System (scheduled)", what: auditLabel(r.action), details: describe(r.details) })),
  };
}
