import { DataTable } from "@/components/ui/data-table";
import { LocalTime } from "@/components/local-time";
import { formatPrice } from "@/lib/format/price";
import type { BillingView } from "@/lib/views/billing";
import { formatCredits } from "@/lib/credits/amounts";
import { SeatPlanControl } from "./owner-controls";
import { EmptyState } from "@/components/ui/surface";
import { AvailableNow, UsedThisCycle } from "@/components/credits/balance-cells";
import { topUpsText } from "@/components/credits/top-ups-text";

type Plan = BillingView["catalog"][number];

export function formatBillingPlan(p: Plan) {
  return `${p.name} — ${formatPrice(p.priceCents)}/month, ${formatCredits(p.messageAllowance)} message + ${formatCredits(p.integrationAllowance)} integration credits`;
}

/** A seat's pending change in a sentence's middle ("moves to Starter at the cycle's end"). */
export const pendingLabel = (seat: BillingView["seats"][number], catalog: Plan[]) => {
  const p = seat.pending!;
  return p.kind === "downgrade" ? `moves to ${catalog.find((c) => c.id === p.toPlanId)?.name ?? p.toPlanId} at the cycle's end` : "removed at the cycle's end";
};

const pendingText = (seat: BillingView["seats"][number], catalog: Plan[]) => {
  const p = seat.pending!;
  if (p.kind === "downgrade") return `Moves to ${catalog.find((c) => c.id === p.toPlanId)?.name ?? p.toPlanId}`;
  return p.kind === "cancel" ? "Ends with the plan's cancellation" : "Will be removed";
};

export function SeatsTable({ seats, catalog, isOwner, pool = false }: { seats: BillingView["seats"]; catalog: Plan[]; isOwner: boolean; pool?: boolean }) {
  return (
    <section aria-labelledby="seats-title" className="space-y-3">
      <h3 id="seats-title" className="text-lg font-semibold">
        {pool ? "Shared pool: plan and credit level" : "Paid seats"}
      </h3>
      {seats.length === 0 ? (
        <EmptyState className="p-6">
          No paid seats: everyone here uses their daily Free allowance.
        </EmptyState>
      ) : (
        <DataTable minWidth="52rem" columns={[{ label: "Holder" }, { label: "Plan" }, { label: "Used this cycle" }, { label: "Available now" }, { label: isOwner ? "Change" : "Status" }]}>
              {seats.map((s) => (
                <tr key={s.id} data-testid={`seat-${s.type === "pool" ? "pool" : (s.holderName ?? "unassigned")}`}>
                  <th scope="row" className="px-4 py-2 font-medium">
                    {s.type === "pool" ? "Shared pool (everyone)" : (s.holderName ?? <span className="font-normal text-zinc-600 dark:text-zinc-400">Unassigned</span>)}
                  </th>
                  <td className="px-4 py-2">
                    {s.plan.name} · {formatPrice(s.plan.priceCents)}/month
                  </td>
                  <td className="px-4 py-2 tabular-nums">
                    {s.balance ? <UsedThisCycle balance={s.balance} /> : <span className="text-zinc-600 dark:text-zinc-400">Only owners and admins see this</span>}
                  </td>
                  <td className="px-4 py-2 tabular-nums">
                    {s.balance ? <AvailableNow balance={s.balance} testId={`available-${s.holderName ?? "unassigned"}`} /> : <span className="text-zinc-600 dark:text-zinc-400">—</span>}
                  </td>
                  <td className="px-4 py-2">
                    {s.pending ? (
                      <p className="mb-1 text-amber-800 dark:text-amber-300" data-testid="pending">
                        Pending: {pendingText(s, catalog)} on <LocalTime iso={s.pending.effectiveAt.toISOString()} />
                      </p>
                    ) : null}
                    {isOwner && s.pending?.kind !== "cancel" ? (
                      <SeatPlanControl
                        seatId={s.id}
                        holder={s.type === "pool" ? "the shared pool" : (s.holderName ?? "Unassigned seat")}
                        pool={s.type === "pool"}
                        currentPlanId={s.plan.id}
                        currentRank={s.plan.rank}
                        pendingChangeId={s.pending?.id ?? null}
                        plans={catalog.filter((p) => p.cadence === "monthly").map((p) => ({ id: p.id, name: p.name, rank: p.rank, message: p.messageAllowance, integration: p.integrationAllowance, priceCents: p.priceCents }))}
                        used={s.balance?.message.used ?? 0}
                        usedIntegration={s.balance?.integration.used ?? 0}
                        cycleEnd={s.balance?.message.cycleEnd.toISOString() ?? null}
                        topUps={s.balance ? topUpsText(s.balance.message.topUp, s.balance.integration.topUp) : null}
                      />
                    ) : s.pending || isOwner ? null : (
                      <span className="text-zinc-600 dark:text-zinc-400">Active</span>
                    )}
                  </td>
                </tr>
              ))}
        </DataTable>
      )}
    </section>
  );
}
