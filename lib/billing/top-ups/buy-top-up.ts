/** Use case: buy top-up packs for a paid seat (a paid decision), and its applier. */
import { randomUUID } from "node:crypto";
import { addMonths } from "date-fns";
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, planChanges, topUpLots } from "@/db/schema";
import { cycleOf, getAccount } from "@/lib/credits/accounts";
import { formatCredits } from "@/lib/credits/amounts";
import type { CreditKind } from "@/lib/credits/costs";
import { activeSeatWorkspace, lockSeat, seatProblem } from "@/lib/billing/decisions/seat-rules";
import { type DecisionApplier, recordDecision } from "@/lib/billing/decisions/state-machine";
import { driveForRequest } from "@/lib/billing/decisions/for-request";
import { findDecision } from "@/lib/billing/decisions/queries";
import { isAuto, type Lot, ownerOf, packOf } from "@/lib/credits/lots";
import { notify } from "@/lib/credits/notices";
import type { PaymentProvider } from "@/lib/billing/payments/provider";
import { MAX_PACKS_PER_PURCHASE, TOP_UP_VALIDITY_MONTHS } from "@/lib/credits/plans";
import { configuredProvider } from "@/lib/billing/payments/configured";
import { conflict, invalid } from "@/lib/errors";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";

/**
 * Buys top-up packs for a paid seat: one decision, one charge (see decisions.ts). Recorded with
 * its job, then driven at once for the owner who waits; a slow provider leaves it to the job.
 * Several purchases for one seat may be on their way at the same time: each applies once.
 */
export async function buyTopUp(
  db: Db,
  args: { seatId: string; kind: CreditKind; packs: number; byUserId: string; decisionKey?: string },
  now: Date,
  provider: PaymentProvider = configuredProvider(),
): Promise<Lot> {
  const change = await recordTopUpPurchase(db, args, now);
  const done = await driveForRequest(db, change, { provider, applier: topUpApplier, now: () => now });
  return lotOf(db, done);
}

/** The first step alone: the purchase and its job recorded, nothing charged yet (the job pays). */
export async function recordTopUpPurchase(db: Db, args: { seatId: string; kind: CreditKind; packs: number; byUserId: string; decisionKey?: string }, now: Date) {
  if (!Number.isInteger(args.packs) || args.packs < 1 || args.packs > MAX_PACKS_PER_PURCHASE) {
    throw invalid(`Buy 1 to ${MAX_PACKS_PER_PURCHASE} packs at a time; for more, a bigger plan costs less.`);
  }
  const workspaceId = await activeSeatWorkspace(db, args.seatId, now);
  await requireRole(db, { workspaceId, userId: args.byUserId }, ["owner"], "buy top-ups");
  const pack = await packOf(db, args.kind);
  const decisionKey = args.decisionKey ?? randomUUID();
  return recordDecision(db, workspaceId, decisionKey, async (tx) => {
    const seat = await lockSeat(tx, args.seatId, now);
    const again = await findDecision(tx, workspaceId, decisionKey);
    if (again) return again;
    const [row] = await tx
      .insert(planChanges)
      .values({ workspaceId, accountId: seat.id, kind: "top_up", topUpKind: args.kind, packs: args.packs, amountCents: pack.priceCents * args.packs, status: "recorded", effectiveAt: now, requestedBy: args.byUserId, decisionKey, createdAt: now })
      .returning();
    return row!;
  });
}

async function lotOf(db: Db, change: { id: string }): Promise<Lot> {
  const [lot] = await db.select().from(topUpLots).where(eq(topUpLots.decisionId, change.id));
  if (!lot) throw conflict("This purchase is still being processed. Reload in a moment.");
  return lot;
}

/** What a top-up purchase does when it applies: a lot on the seat, the audit line, and notices. */
export const topUpApplier: DecisionApplier = {
  check: (tx, change, now) => seatProblem(tx, change.accountId, now),
  async apply(tx, change, now) {
    const kind = change.topUpKind as "message" | "integration";
    const pack = await packOf(tx, kind);
    const credits = pack.credits * (change.packs ?? 1);
    const auto = isAuto(change);
    await tx
      .insert(topUpLots)
      .values({ workspaceId: change.workspaceId, accountId: change.accountId!, kind, credits, purchasedAt: now, expiresAt: addMonths(now, TOP_UP_VALIDITY_MONTHS), source: auto ? "auto" : "purchase", decisionId: change.id, createdAt: now });
    await writeAudit(tx, {
      workspaceId: change.workspaceId,
      actorUserId: auto ? null : change.requestedBy,
      action: auto ? "top_up.auto_bought" : "top_up.bought",
      targetType: "seat",
      targetId: change.accountId,
      details: { kind, packs: change.packs, credits: formatCredits(credits), priceCents: change.amountCents },
      now,
    });
    const seat = await getAccount(tx, change.accountId!);
    const owner = await ownerOf(tx, change.workspaceId);
    const body = `${auto ? "Auto top-up bought" : "Top-up bought:"} ${formatCredits(credits)} ${kind} credits${seat.holderUserId ? "" : " for an unassigned seat"}, usable for 12 months.`;
    for (const userId of new Set([seat.holderUserId, auto ? owner : null])) {
      if (!userId) continue;
      await notify(tx, { userId, workspaceId: change.workspaceId, accountId: seat.id, kind, cycleStart: cycleOf(seat, now).start, body, dedupeKey: `top-up:${change.id}:${userId}`, href: "/settings/billing#top-ups" }, now);
    }
    return [seat.holderUserId];
  },
  async failed(tx, change, reason, now) {
    if (!isAuto(change)) return;
    const kind = change.topUpKind as "message" | "integration";
    // A declined automatic payment switches the rule off, and the owner hears at once.
    await tx
      .update(creditAccounts)
      .set({ autoTopUp: sql`jsonb_set(${creditAccounts.autoTopUp}, ${`{${kind}}`}::text[], (${creditAccounts.autoTopUp} -> ${kind}) || ${JSON.stringify({ enabled: false, disabledReason: reason })}::jsonb)` })
      .where(eq(creditAccounts.id, change.accountId!));
    const seat = await getAccount(tx, change.accountId!);
    await notify(
      tx,
      {
        userId: await ownerOf(tx, change.workspaceId),
        workspaceId: change.workspaceId,
        accountId: seat.id,
        kind,
        cycleStart: cycleOf(seat, now).start,
        body: `Auto top-up of ${kind} credits was switched off: the payment was declined (${reason}). Nothing was charged. Turn it on again once the card works.`,
        dedupeKey: `auto-failed:${change.id}`,
        href: "/settings/billing#top-ups",
      },
      now,
    );
  },
};
