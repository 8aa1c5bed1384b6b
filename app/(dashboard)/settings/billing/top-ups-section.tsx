import { formatPrice } from "@/lib/format/price";
import { BuyTopUpDialog } from "@/components/credits/buy-top-up-dialog";
import { LocalTime } from "@/components/local-time";
import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { cardClass, EmptyState } from "@/components/ui/surface";
import { formatCredits } from "@/lib/credits/amounts";
import type { BillingView } from "@/lib/views/billing";
import { AutoTopUpForm, MoveLotForm } from "./top-up-controls";

/** Settings → Billing: the workspace's top-up credits, buying them, and auto top-up. */
export function TopUpsSection({ view, workspaceId, isOwner }: { view: BillingView; workspaceId: string; isOwner: boolean }) {
  const who = (s: { type: string; holderName: string | null }) => (s.type === "pool" ? "Shared pool" : (s.holderName ?? "Unassigned"));
  const active = view.seats.map((s) => ({ id: s.id, label: `${who(s)} · ${s.plan.name}` }));
  return (
    <section id="top-ups" aria-labelledby="top-ups-title" className="scroll-mt-20 space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id="top-ups-title" className="text-lg font-semibold">
          Top-up credits
        </h3>
        {isOwner && view.seats.length > 0 ? (
          <BuyTopUpDialog workspaceId={workspaceId} trigger={<Button type="button">Buy top-up</Button>} />
        ) : null}
      </div>
      <p className="max-w-prose text-sm text-zinc-600 dark:text-zinc-400">
        {view.model === "pool"
          ? "Packs of extra credits for the shared pool, spent only once the pool's monthly allowance of that kind is used up, the ones expiring first first. They do not reset, and they expire 12 months after purchase."
          : "Packs of extra credits for a paid seat, spent only once the seat's monthly allowance of that kind is used up, the ones expiring first first. They do not reset, they move with the seat, and they expire 12 months after purchase."}
        {isOwner ? null : ` Only ${view.ownerName}, the owner, can buy them.`}
      </p>
      <p className="text-sm" data-testid="pack-prices">
        {view.packs
          .filter((p) => p.kind !== "none")
          .map((p) => `${p.kind === "message" ? "Message" : "Integration"} pack: ${formatCredits(p.credits)} credits for ${formatPrice(p.priceCents)}`)
          .join(" · ")}
      </p>
      {view.lots.length === 0 ? (
        <EmptyState>
          {view.seats.length === 0
            ? "Top-ups are for paid seats; this workspace has none yet."
            : view.role === "member"
              ? "None on a seat of yours. The workspace's top-ups are shown to its owner and admins."
              : "No top-ups bought yet."}
        </EmptyState>
      ) : (
        <DataTable minWidth="40rem" columns={[{ label: "Seat" }, { label: "Credits" }, { label: "Left", align: "right" }, { label: "Expires" }, { label: "Status" }]}>
          {view.lots.map((l) => (
            <tr key={l.id}>
              <th scope="row" className="px-4 py-2 font-normal">{l.holderName ?? "Unassigned seat"}</th>
              <td className="px-4 py-2 capitalize">{l.kind}</td>
              <td className="px-4 py-2 text-right tabular-nums">
                {formatCredits(l.credits - l.used)} of {formatCredits(l.credits)}
              </td>
              <td className="px-4 py-2 whitespace-nowrap">
                <LocalTime iso={l.expiresAt.toISOString()} withTime={false} />
              </td>
              <td className="px-4 py-2">
                <span className="capitalize">{l.state}</span>
                {l.state === "paused" && isOwner ? <MoveLotForm lotId={l.id} seats={active} /> : null}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {isOwner && view.seats.length > 0 ? (
        <div className={cardClass("space-y-4 p-5")}>
          <h4 className="font-semibold">Auto top-up</h4>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">So nobody is cut off mid-work: when what a seat can spend falls below your threshold, its packs are bought for you.</p>
          {view.seats.map((s) => (
            <details key={s.id} className="group border-t border-zinc-200 pt-3 dark:border-zinc-800" data-testid={`auto-top-up-${s.type === "pool" ? "pool" : (s.holderName ?? "unassigned")}`}>
              <summary className="cursor-pointer text-sm">
                <span className="font-medium">{who(s)} · {s.plan.name}</span>{" "}
                <span className="text-zinc-600 dark:text-zinc-400">
                  — {(["message", "integration"] as const).map((k) => `${k}: ${s.autoTopUp?.[k]?.enabled ? `on, below ${formatCredits(s.autoTopUp[k]!.threshold)}, ${s.autoUsed?.[k] ?? 0} of ${s.autoTopUp[k]!.maxPerCycle} used this cycle` : "off"}`).join(" · ")}
                </span>
              </summary>
              <div className="mt-3 space-y-4">
              {(["message", "integration"] as const).map((kind) => (
                <AutoTopUpForm
                  key={kind}
                  seatId={s.id}
                  seatLabel={s.type === "pool" ? "the shared pool" : (s.holderName ?? "the unassigned seat")}
                  kind={kind}
                  pack={view.packs.find((p) => p.kind === kind) ?? { credits: 0, priceCents: 0 }}
                  rule={s.autoTopUp?.[kind] ?? null}
                  usedThisCycle={s.autoUsed?.[kind] ?? 0}
                />
              ))}
              </div>
            </details>
          ))}
        </div>
      ) : null}
    </section>
  );
}
