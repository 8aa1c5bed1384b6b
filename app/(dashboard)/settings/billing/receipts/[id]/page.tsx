import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { LocalTime } from "@/components/local-time";
import { cardClass } from "@/components/ui/surface";
import { requireWorkspace } from "@/lib/auth/session";
import { formatPrice } from "@/lib/format/price";
import { getReceipt } from "@/lib/views/payments";

export const metadata: Metadata = { title: "Receipt" };

/** One charge's receipt (owners and admins): what, for whom, how much, when, the provider's reference. */
export default async function ReceiptPage({ params }: { params: Promise<{ id: string }> }) {
  const { db, user, current } = await requireWorkspace();
  const { id } = await params;
  const receipt = await getReceipt(db, { workspaceId: current.workspaceId, userId: user.id, id }).catch((err) => {
    if ((err as { code?: string }).code === "not_found" || (err as { code?: string }).code === "forbidden") notFound();
    throw err;
  });
  const { charge, refund } = receipt;
  return (
    <div className="space-y-6">
      <Link href="/settings/billing" className="text-sm font-medium text-indigo-700 underline dark:text-indigo-300">
        ← Billing
      </Link>
      <article aria-labelledby="receipt-title" className={cardClass("max-w-xl space-y-4 p-6")}>
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="receipt-title" className="text-xl font-semibold">
            Receipt
          </h2>
          {!charge.providerRef.startsWith("pi_") ? <span className="text-xs font-semibold text-amber-800 dark:text-amber-300">Test mode: no money moved</span> : null}
        </div>
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
          <dt className="text-zinc-600 dark:text-zinc-400">Workspace</dt>
          <dd>{receipt.workspaceName}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Item</dt>
          <dd data-testid="receipt-what">{charge.what}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">For</dt>
          <dd>{charge.seat ?? "An unassigned seat"}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Bought by</dt>
          <dd>{receipt.buyerName}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Date</dt>
          <dd>
            <LocalTime iso={charge.at.toISOString()} />
          </dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Amount</dt>
          <dd className="text-lg font-semibold tabular-nums" data-testid="receipt-amount">
            {formatPrice(charge.amountCents)}
          </dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Paid with</dt>
          <dd>{charge.providerRef.startsWith("pi_") ? "Stripe" : "Test mode (no real payments)"}</dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Reference</dt>
          <dd className="font-mono text-xs">{charge.providerRef}</dd>
          {refund ? (
            <>
              <dt className="text-zinc-600 dark:text-zinc-400">Refunded</dt>
              <dd>
                {formatPrice(-refund.amountCents)} on <LocalTime iso={refund.at.toISOString()} /> ({refund.providerRef})
              </dd>
            </>
          ) : null}
        </dl>
      </article>
    </div>
  );
}
