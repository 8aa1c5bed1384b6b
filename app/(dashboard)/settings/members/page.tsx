import { DataTable } from "@/components/ui/data-table";
import type { Metadata } from "next";
import { AvailableNow, UsedThisCycle } from "@/components/credits/balance-cells";
import { getMembersView } from "@/lib/views/members";
import { requireWorkspace } from "@/lib/auth/session";
import { CreditRequests } from "./credit-requests";
import { InvitationList } from "./invitation-list";
import { InviteForm, MemberControls } from "./member-controls";
import type { AccountBalance } from "@/lib/credits/accounts";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage() {
  const { db, user, current } = await requireWorkspace();
  const view = await getMembersView(db, { workspaceId: current.workspaceId, userId: user.id }, new Date());
  const { rows, unassigned, withoutSeat } = view;
  const canManage = current.role === "owner" || current.role === "admin";

  return (
    <div className="space-y-6">
      <h2 className="text-xl font-semibold">Members and seats</h2>
      {canManage && view.requests.length > 0 ? <CreditRequests requests={view.requests} /> : null}
      {canManage ? <InviteForm workspaceId={current.workspaceId} canInviteAdmins={current.role === "owner"} /> : null}
      <DataTable minWidth="56rem" columns={[{ label: "Member" }, { label: "Role" }, { label: "Seat" }, { label: "Used this cycle" }, { label: "Available now" }, ...(canManage ? [{ label: "Manage" }] : [])]}>
            {rows.map((m) => {
              const seat = m.seat;
              return (
                <tr key={m.userId} data-testid={`member-${m.email}`}>
                  <th scope="row" className="px-4 py-2 font-normal">
                    <span className="font-medium">{m.name}</span>
                    <span className="block text-xs text-zinc-600 dark:text-zinc-400">{m.email}</span>
                  </th>
                  <td className="px-4 py-2 capitalize">{m.role}</td>
                  <td className="px-4 py-2">{seat ? `${seat.plan.name} seat` : "Free (daily)"}</td>
                  <td className="px-4 py-2 tabular-nums">
                    {m.balance ? <UsedThisCycle balance={m.balance} /> : <span className="text-zinc-600 dark:text-zinc-400">Only owners and admins see this</span>}
                  </td>
                  <td className="px-4 py-2 tabular-nums">
                    {m.balance ? <AvailableNow balance={m.balance} testId={`available-${m.email}`} /> : <span className="text-zinc-600 dark:text-zinc-400">—</span>}
                  </td>
                  {canManage ? (
                    <td className="px-4 py-2">
                      <MemberControls
                        workspaceId={current.workspaceId}
                        memberApps={m.apps}
                        freeAllowance={view.freeAllowance}
                        member={{ userId: m.userId, name: m.name, role: m.role }}
                        viewerRole={current.role}
                        viewerId={user.id}
                        seat={seat && seat.balance ? seatInfo(seat.id, seat.plan.name, seat.balance) : null}
                        transferTargets={withoutSeat.filter((t) => t.userId !== m.userId)}
                        unassignedSeats={seat ? [] : unassigned.map((s) => seatInfo(s.id, s.plan.name, s.balance))}
                      />
                    </td>
                  ) : null}
                </tr>
              );
            })}
      </DataTable>
      {canManage ? <InvitationList invitations={view.invitations.map((i) => ({ ...i, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() }))} /> : null}
      {unassigned.length > 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {unassigned.length} paid seat{unassigned.length === 1 ? " is" : "s are"} not assigned to anyone yet.
        </p>
      ) : null}
    </div>
  );
}

/** What the seat controls say about a seat: what is left this cycle, and the top-ups that travel with it. */
function seatInfo(id: string, plan: string, b: AccountBalance) {
  return { id, plan, messageLeft: b.message.remaining, integrationLeft: b.integration.remaining, messageTopUp: b.message.topUp, integrationTopUp: b.integration.topUp };
}
