"use client";

import * as Dialog from "@radix-ui/react-dialog";
import { useState, type ReactNode } from "react";
import { ActionStatus } from "@/components/action-status";
import { Button, buttonClass } from "@/components/ui/button";
import { SelectField } from "@/components/ui/field";
import { floatingClass } from "@/components/ui/surface";
import { useAction, useDecisionKey } from "@/components/use-action";
import { buyTopUpAction, topUpOptionsAction } from "@/lib/actions/top-ups";
import { formatCredits } from "@/lib/credits/amounts";
import { MAX_PACKS_PER_PURCHASE } from "@/lib/credits/plans";
import type { TopUpOptions } from "@/lib/views/top-ups";
import { formatPrice } from "@/lib/format/price";
import { formatInZone } from "@/components/local-time";
import { useRefreshCredits } from "./queries";

type Kind = "message" | "integration";

/**
 * Buy top-up credits: how many packs, for which seat, at what price, and what the seat will
 * have afterwards — said before paying. The owner opens it from Billing or from an
 * out-of-credits message; after buying, the balances on screen refresh without a reload.
 */
export function BuyTopUpDialog({
  workspaceId,
  kind: asked,
  trigger,
  onOpenChange: told,
}: {
  workspaceId: string;
  trigger: ReactNode;
  /** The kind to offer; left out (Billing), the kind the chosen seat has run out of, if any. */
  kind?: Kind;
  /** Told when the dialog opens and closes (so what opened it can stay until it closes). */
  onOpenChange?: (open: boolean) => void;
}) {
  const [open, setOpen] = useState(false);
  const [options, setOptions] = useState<TopUpOptions | null>(null);
  const [kind, setKind] = useState<Kind>(asked ?? "integration");
  // Until the owner picks a kind, it follows the seat: the one it has run out of comes first.
  const [kindPicked, setKindPicked] = useState(asked !== undefined);
  const follow = (s: TopUpOptions["seats"][number] | undefined) => {
    if (kindPicked || !s) return;
    setKind(s.available.message <= 0 ? "message" : "integration");
  };
  const [packs, setPacks] = useState(1);
  const [seatId, setSeatId] = useState("");
  // After paying: what was bought, shown in place of the form (no second Pay button).
  const [done, setDone] = useState<{ credits: number; kind: string; expiresAt: string; seat: string } | null>(null);
  const load = useAction<TopUpOptions>({ background: true });
  const buy = useAction();
  const decision = useDecisionKey();
  const refresh = useRefreshCredits();

  function onOpenChange(next: boolean) {
    setOpen(next);
    told?.(next);
    if (next) setDone(null);
    // Loaded at each opening: what each seat has now (it may have changed since the last).
    if (next) {
      void load.run(topUpOptionsAction, { workspaceId }, {
        then: (r) => {
          if (!r.ok) return;
          setOptions(r.data);
          const chosen = r.data.seats.find((s) => s.seatId === seatId) ?? r.data.seats[0];
          setSeatId(chosen?.seatId ?? "");
          follow(chosen);
        },
      });
    }
  }

  const pack = options?.packs.find((p) => p.kind === kind);
  const seat = options?.seats.find((s) => s.seatId === seatId);
  const credits = (pack?.credits ?? 0) * packs;
  const price = (pack?.priceCents ?? 0) * packs;

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-50 bg-black/40" />
        <Dialog.Content className={floatingClass("fixed top-1/2 left-1/2 w-[min(30rem,calc(100vw-2rem))] -translate-x-1/2 -translate-y-1/2 space-y-4 rounded-xl p-5 shadow-xl")}>
          <Dialog.Title className="text-lg font-semibold">Buy top-up credits</Dialog.Title>
          <Dialog.Description className="text-sm text-zinc-700 dark:text-zinc-300">
            Top-ups are spent after the seat&apos;s monthly allowance, never reset, and expire 12 months after purchase.
          </Dialog.Description>
          {done ? (
            <div role="status" className="space-y-3" data-testid="top-up-done">
              <p className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-950 dark:bg-emerald-950 dark:text-emerald-100">
                <strong>Paid.</strong> {formatCredits(done.credits)} {done.kind} credits were added to {done.seat}, usable until {formatInZone(done.expiresAt, false, undefined)}.
              </p>
              <div className="flex justify-end gap-2">
                <Button type="button" variant="secondary" onClick={() => setDone(null)}>
                  Buy more
                </Button>
                <Dialog.Close className={buttonClass("primary")}>Done</Dialog.Close>
              </div>
            </div>
          ) : !options ? (
            <ActionStatus status={load.message ?? { tone: "info", text: "Loading your seats…" }} />
          ) : options.seats.length === 0 ? (
            <p className="text-sm">Top-ups are for paid seats. Add a paid seat first, then buy top-ups for it.</p>
          ) : (
            <form
              className="space-y-4"
              onSubmit={(e) => {
                e.preventDefault();
                // React events bubble through portals: this form may sit, in React's tree, inside
                // another (the editor's chat), which must not see this submit.
                e.stopPropagation();
                const seatLabel = seat?.label ?? "the seat";
                void buy.run(buyTopUpAction, { seatId, kind, packs, decisionKey: decision.decisionKey }, {
                  success: (r) => `Paid: ${formatCredits(r.credits)} ${r.kind} credits added to ${seatLabel}.`,
                  then: async (r) => {
                    decision.next();
                    if (!r.ok) return;
                    setDone({ ...r.data, seat: seatLabel });
                    await refresh();
                    // What each seat has now, for a next purchase.
                    void load.run(topUpOptionsAction, { workspaceId }, { then: (o) => (o.ok ? setOptions(o.data) : undefined) });
                  },
                });
              }}
            >
              <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_auto]">
                <SelectField label="Credits" value={kind} onChange={(e) => (setKind(e.target.value as Kind), setKindPicked(true))} options={options.packs.map((p) => ({ value: p.kind, label: `${p.kind === "message" ? "Message" : "Integration"}: ${formatCredits(p.credits)} a pack, ${formatPrice(p.priceCents)}` }))} />
                <SelectField
                  label="Packs"
                  value={String(packs)}
                  onChange={(e) => setPacks(Number(e.target.value))}
                  options={Array.from({ length: MAX_PACKS_PER_PURCHASE }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }))}
                />
              </div>
              <SelectField label="For the seat" value={seatId} onChange={(e) => (setSeatId(e.target.value), follow(options.seats.find((s) => s.seatId === e.target.value)))} options={options.seats.map((s) => ({ value: s.seatId, label: s.label }))} />
              <p className="rounded-md bg-zinc-100 p-3 text-sm dark:bg-zinc-800" data-testid="top-up-summary">
                {formatCredits(credits)} {kind} credits for <strong>{formatPrice(price)}</strong>. The seat will have{" "}
                <strong>{formatCredits((seat?.available[kind] ?? 0) + credits)}</strong> {kind} credits available, up from {formatCredits(seat?.available[kind] ?? 0)}.
                Need more than {MAX_PACKS_PER_PURCHASE} packs? A bigger plan costs less.
              </p>
              <div className="flex justify-end gap-2">
                <Dialog.Close className={buttonClass("secondary")}>Close</Dialog.Close>
                <Button type="submit" disabled={buy.pending || !seatId}>
                  {buy.pending ? "Paying…" : `Pay ${formatPrice(price)}`}
                </Button>
              </div>
            </form>
          )}
          {done ? null : <ActionStatus status={buy.message} />}
        </Dialog.Content>
      </Dialog.Portal>
      {/* Closed while paying: the answer still reaches the owner, beside what opened the dialog. */}
      {!open && buy.message ? <ActionStatus status={buy.message} /> : null}
    </Dialog.Root>
  );
}
