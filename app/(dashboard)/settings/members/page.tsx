import { DataTable } from "@/components/ui/data-table";
import type { Metadata } from "next";
import { getBillingView } from "@/lib/views/billing";
import { formatCredits } from "@/lib/credits/amounts";
import { getMemberBalances } from "@/lib/credits/balance";
import { listMembers } from "@/lib/workspaces/members";
import { requireWorkspace } from "@/lib/auth/session";
import { InviteForm, MemberControls } from "./member-controls";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage() {
  const { db, user, current } = await requireWorkspace();
  const now = new Date();
  const view = await getBillingView(db, current.workspaceId, user.id, now);
  const members = await listMembers(db, current.workspaceId);
  const canManage = current.role === "owner" || current.role === "admin";
  const balances = await getMemberBalances(db, current.workspaceId, now);
  const rows = members.map((m) => ({ ...m, balance: balances.get(m.userId)! }));
  const seatOf = new Map(view.seats.filter((s) => s.holderUserId).map((s) => [s.holderUserId!, s]));
  const unassigned = view.seats.filter((s) => !s.holderUserId);
  const withoutSeat = rows.filter((m) => !seatOf.has(m.userId)).map((m) => ({ userId: m.userId, name: m.name }));

  return (
    <div className="space-y-6">
      <h2 className="text-xl font-semibold">Members and seats</h2>
      {canManage ? <InviteForm workspaceId={current.workspaceId} canInviteAdmins={current.role === "owner"} /> : null}
      <DataTable minWidth="48rem" columns={[{ label: "Member" }, { label: "Role" }, { label: "Seat" }, { label: "Used this cycle" }, ...(canManage ? [{ label: "Manage" }] : [])]}>
            {rows.map((m) => {
              const seat = seatOf.get(m.userId);
              return (
                <tr key={m.userId} data-testid={`member-${m.email}`}>
                  <th scope="row" className="px-4 py-2 font-normal">
                    <span className="font-medium">{m.name}</span>
                    <span className="block text-xs text-zinc-600 dark:text-zinc-400">{m.email}</span>
                  </th>
                  <td className="px-4 py-2 capitalize">{m.role}</td>
                  <td className="px-4 py-2">{seat ? `${seat.plan.name} seat` : "Free (daily)"}</td>
                  <td className="px-4 py-2 tabular-nums">
                    {formatCredits(m.balance.message.used)} / {formatCredits(m.balance.message.allowance)} message
                    <br />
                    {formatCredits(m.balance.integration.used)} / {formatCredits(m.balance.integration.allowance)} integration
                  </td>
                  {canManage ? (
                    <td className="px-4 py-2">
                      <MemberControls
                        workspaceId={current.workspaceId}
                        member={{ userId: m.userId, name: m.name, role: m.role }}
                        viewerRole={current.role}
                        viewerId={user.id}
                        seat={seat ? { id: seat.id, plan: seat.plan.name, messageLeft: seat.balance.message.remaining, integrationLeft: seat.balance.integration.remaining } : null}
                        transferTargets={withoutSeat.filter((t) => t.userId !== m.userId)}
                        unassignedSeats={seat ? [] : unassigned.map((s) => ({ id: s.id, plan: s.plan.name, messageLeft: s.balance.message.remaining, integrationLeft: s.balance.integration.remaining }))}
                      />
                    </td>
                  ) : null}
                </tr>
              );
            })}
      </DataTable>
      {unassigned.length > 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {unassigned.length} paid seat{unassigned.length === 1 ? " is" : "s are"} not assigned to anyone yet.
        </p>
      ) : null}
    </div>
  );
}
