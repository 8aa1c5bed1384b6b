import type { Metadata } from "next";
import { LocalTime } from "@/components/local-time";
import { formatBillingPlan, pendingLabel, SeatsTable } from "./seats-table";
import { topUpsText } from "@/components/credits/top-ups-text";
import { AddSeatForm, CancelPlanButton, ResumePlanBanner } from "./owner-controls";
import { TopUpsSection } from "./top-ups-section";
import { CreditModelSection } from "./credit-model";
import { PaymentHistory } from "./payment-history";
import { PaymentMethodSection } from "./payment-method";
import { billingCustomer } from "@/lib/billing/payments/stripe";
import { formatPrice } from "@/lib/format/price";
import { getBillingView } from "@/lib/views/billing";
import { formatCredits } from "@/lib/credits/amounts";
import { requireWorkspace } from "@/lib/auth/session";
import { configuredProvider } from "@/lib/billing/payments/configured";
import { cardClass } from "@/components/ui/surface";

export const metadata: Metadata = { title: "Billing" };

const CARD_NOTICES: Record<string, string> = {
  saved: "Card saved: it pays for what you buy from now on.",
  "not-saved": "The card was not saved. Try again, or use another card.",
  cancelled: "Nothing changed: no card was saved.",
};
const PAYMENT_NOTICES: Record<string, string> = {
  waiting: "Your bank has not confirmed the payment yet. It applies as soon as it does; Confirm payment below takes you back to your bank.",
  declined: "Your bank declined the payment: nothing was charged and nothing changed.",
};

export default async function BillingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { db, user, current } = await requireWorkspace();
  const query = await searchParams;
  const provider = configuredProvider();
  const stripeCard = provider.testMode ? undefined : ((await billingCustomer(db, current.workspaceId)) ?? null);
  const view = await getBillingView(db, { workspaceId: current.workspaceId, userId: user.id }, new Date());
  const isOwner = view.role === "owner";
  // Cancelled: every seat ends with the plan. One banner says when, and takes it back.
  const cancelling = view.seats.length > 0 && view.seats.every((s) => s.pending?.kind === "cancel");
  const pooled = view.model === "pool";

  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-xl font-semibold">Billing</h2>
        {provider.testMode ? (
          <span className="rounded-full border border-amber-400 bg-amber-50 px-2.5 py-0.5 text-xs font-semibold text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
            Test mode: no real payments are taken
          </span>
        ) : null}
      </div>

      {!isOwner ? (
        <p role="note" className={cardClass("p-4 text-sm")}>
          You can see this workspace&apos;s plan, but only {view.ownerName}, the owner, can change plans and seats. Ask them for more credits.
        </p>
      ) : null}

      {typeof query.payment === "string" && PAYMENT_NOTICES[query.payment] ? (
        <p role="status" className={cardClass("p-4 text-sm font-medium")}>
          {PAYMENT_NOTICES[query.payment]}
        </p>
      ) : null}

      {stripeCard !== undefined && (isOwner || view.payments) ? (
        <PaymentMethodSection
          workspaceId={current.workspaceId}
          isOwner={isOwner}
          card={stripeCard?.cardLast4 ? { brand: stripeCard.cardBrand ?? "card", last4: stripeCard.cardLast4 } : null}
          notice={typeof query.card === "string" ? (CARD_NOTICES[query.card] ?? null) : null}
        />
      ) : null}

      {isOwner && cancelling && view.nextBillingAt ? <ResumePlanBanner workspaceId={current.workspaceId} endsAt={view.nextBillingAt.toISOString()} /> : null}

      <section aria-labelledby="summary-title" className={cardClass("grid gap-4 p-5 sm:grid-cols-3")}>
        <h3 id="summary-title" className="sr-only">
          Summary
        </h3>
        <div>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Monthly total</p>
          <p className="text-2xl font-semibold" data-testid="monthly-total">
            {formatPrice(view.monthlyCents)}
          </p>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            {pooled ? "One shared pool" : `${view.seats.length} paid seat${view.seats.length === 1 ? "" : "s"}`}
          </p>
        </div>
        <div>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Next billing and reset</p>
          <p className="font-medium">{view.nextBillingAt ? <LocalTime iso={view.nextBillingAt.toISOString()} /> : "No paid seats yet"}</p>
        </div>
        {view.nextTotalCents !== view.monthlyCents ? (
          <div>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">From the next cycle</p>
            <p className="font-medium">{formatPrice(view.nextTotalCents)} a month, after pending changes</p>
          </div>
        ) : null}
      </section>

      <CreditModelSection
        workspaceId={current.workspaceId}
        model={view.model}
        isOwner={isOwner}
        hasSeats={view.seats.some((s) => s.type === "seat")}
        plans={view.catalog.filter((p) => p.cadence === "monthly").map((p) => ({ id: p.id, name: p.name, label: formatBillingPlan(p) }))}
        nextBillingAt={view.nextBillingAt?.toISOString() ?? null}
        pending={view.pendingModel ? { to: view.pendingModel.to, planName: view.catalog.find((p) => p.id === view.pendingModel!.planId)?.name ?? null, at: view.pendingModel.at.toISOString() } : null}
      />

      <SeatsTable seats={view.seats} catalog={view.catalog} isOwner={isOwner} pool={pooled} />

      <TopUpsSection view={view} workspaceId={current.workspaceId} isOwner={isOwner} />

      {isOwner && !pooled ? (
        <section aria-labelledby="add-title" className={cardClass("space-y-3 p-5")}>
          <h3 id="add-title" className="text-lg font-semibold">
            Add a paid seat
          </h3>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            A new seat starts now with its plan&apos;s full allowance{view.nextBillingAt ? " and renews with the others" : "; today becomes the workspace's billing date"}.
          </p>
          <AddSeatForm
            workspaceId={current.workspaceId}
            plans={view.catalog.filter((p) => p.cadence === "monthly").map((p) => ({ id: p.id, label: formatBillingPlan(p) }))}
            members={view.withoutSeat}
            defaultHolder={view.withoutSeat.some((m) => m.userId === user.id) ? user.id : ""}
          />
        </section>
      ) : null}

      {isOwner && !pooled && view.seats.length > 0 && !cancelling ? (
        <section aria-labelledby="cancel-title" className={cardClass("space-y-3 p-5")}>
          <h3 id="cancel-title" className="text-lg font-semibold">
            Cancel the paid plan
          </h3>
          <CancelPlanButton
            workspaceId={current.workspaceId}
            endsAt={view.nextBillingAt?.toISOString() ?? null}
            replaces={view.seats.filter((s) => s.pending).map((s) => `${s.holderName ? `${s.holderName}'s` : "The unassigned"} ${s.plan.name} seat: ${pendingLabel(s, view.catalog)}`)}
            topUps={topUpsText(
              view.seats.reduce((sum, s) => sum + (s.balance?.message.topUp ?? 0), 0),
              view.seats.reduce((sum, s) => sum + (s.balance?.integration.topUp ?? 0), 0),
            )}
          />
        </section>
      ) : null}

      {view.payments ? <PaymentHistory payments={view.payments} /> : null}

      <section aria-labelledby="catalog-title" className="space-y-3">
        <h3 id="catalog-title" className="text-lg font-semibold">
          Plans
        </h3>
        <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
          {view.catalog.map((p) => (
            <li key={p.id} className={cardClass("p-4")}>
              <p className="font-semibold">{p.name}</p>
              <p className="text-sm text-zinc-600 dark:text-zinc-400">{p.priceCents === 0 ? "Free" : `${formatPrice(p.priceCents)} / seat / month`}</p>
              <p className="mt-2 text-sm">
                {formatCredits(p.messageAllowance)} message credits
                <br />
                {formatCredits(p.integrationAllowance)} integration credits
                <br />
                per {p.cadence === "daily" ? "day" : "month"}
              </p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
