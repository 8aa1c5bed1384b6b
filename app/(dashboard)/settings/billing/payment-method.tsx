"use client";

import { ActionStatus } from "@/components/action-status";
import { Button } from "@/components/ui/button";
import { cardClass } from "@/components/ui/surface";
import { useAction } from "@/components/use-action";
import { startCardSetupAction } from "./actions";

/**
 * Billing → Payment method (with Stripe): the card every purchase and automatic top-up is paid
 * with. Saving or replacing it happens on Stripe's page; no card number ever reaches this app.
 */
export function PaymentMethodSection(props: { workspaceId: string; isOwner: boolean; card: { brand: string; last4: string } | null; notice: string | null }) {
  const { pending, message, run } = useAction<{ url: string }>();
  return (
    <section id="payment-method" aria-labelledby="payment-method-title" className={cardClass("space-y-3 p-5")}>
      <h3 id="payment-method-title" className="text-lg font-semibold">
        Payment method
      </h3>
      {props.notice ? (
        <p role="status" className="text-sm font-medium">
          {props.notice}
        </p>
      ) : null}
      <p className="text-sm" data-testid="saved-card">
        {props.card
          ? `${props.card.brand.charAt(0).toUpperCase()}${props.card.brand.slice(1)} ending in ${props.card.last4}: seats, upgrades and top-ups (automatic ones too) are charged to it.`
          : "No card saved yet. Save one before buying: seats, upgrades and top-ups (automatic ones too) are charged to it."}
      </p>
      {props.isOwner ? (
        <div className="flex flex-wrap items-center gap-3">
          <Button
            type="button"
            disabled={pending}
            onClick={() => run(startCardSetupAction, { workspaceId: props.workspaceId }, { then: (r) => (r.ok ? window.location.assign(r.data.url) : undefined) })}
          >
            {pending ? "Opening Stripe…" : props.card ? "Replace card" : "Save a card"}
          </Button>
          <span className="text-sm text-zinc-600 dark:text-zinc-400">You enter the card on Stripe&apos;s page and come back here.</span>
        </div>
      ) : null}
      <ActionStatus status={message} />
    </section>
  );
}
