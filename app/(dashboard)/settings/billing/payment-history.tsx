import Link from "next/link";
import { LocalTime } from "@/components/local-time";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/surface";
import { formatPrice } from "@/lib/format/price";
import type { Payment } from "@/lib/views/payments";

const STATUS: Record<Payment["status"], string> = { paid: "Paid", processing: "Being confirmed", "needs confirmation": "Waiting for you to confirm", "refund due": "Refund on its way", refunded: "Refunded" };

/** Every charge and refund of the workspace, newest first, each charge with its receipt. */
export function PaymentHistory({ payments }: { payments: Payment[] }) {
  return (
    <section aria-labelledby="payments-title" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id="payments-title" className="text-lg font-semibold">
          Payment history
        </h3>
        {payments.length > 0 ? (
          <a href="/settings/billing/payments.csv" className="text-sm font-medium text-indigo-700 underline dark:text-indigo-300" download>
            Export CSV
          </a>
        ) : null}
      </div>
      {payments.length === 0 ? (
        <EmptyState className="p-6">No payments yet: seats, upgrades and top-ups you pay for are listed here, each with a receipt.</EmptyState>
      ) : (
        <DataTable minWidth="48rem" columns={[{ label: "When" }, { label: "What" }, { label: "For" }, { label: "Amount", align: "right" }, { label: "Status" }, { label: "Reference" }]}>
          {payments.map((p) => (
            <tr key={`${p.id}-${p.type}`} data-testid={`payment-${p.type}-${p.id}`}>
              <td className="whitespace-nowrap px-4 py-2">
                <LocalTime iso={p.at.toISOString()} />
              </td>
              <th scope="row" className="px-4 py-2 font-normal">
                {p.what}
              </th>
              <td className="px-4 py-2">{p.seat ?? "Unassigned seat"}</td>
              <td className="px-4 py-2 text-right tabular-nums">{p.amountCents < 0 ? `−${formatPrice(-p.amountCents)}` : formatPrice(p.amountCents)}</td>
              <td className="px-4 py-2">
                {STATUS[p.status]}
                {p.status === "needs confirmation" ? (
                  <a href={`/settings/billing/confirm/${p.id}`} className="ml-2 font-medium text-indigo-700 underline dark:text-indigo-300" aria-label={`Confirm the payment for ${p.what}`}>
                    Confirm payment
                  </a>
                ) : null}
              </td>
              <td className="px-4 py-2">
                {p.type === "charge" && p.providerRef ? (
                  <Link href={`/settings/billing/receipts/${p.id}`} className="font-medium text-indigo-700 underline dark:text-indigo-300" aria-label={`Receipt for ${p.what}`}>
                    Receipt
                  </Link>
                ) : null}
                <span className="block font-mono text-xs text-zinc-600 dark:text-zinc-400">{p.providerRef}</span>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
