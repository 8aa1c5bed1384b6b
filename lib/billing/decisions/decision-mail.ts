/** What a decision tells people: receipts, declines, the bank's request to confirm. */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { planChanges, workspaces } from "@/db/schema";
import { withRetry } from "@/lib/credits/locks";
import { notify } from "@/lib/credits/notices";
import type { PlanChange } from "@/lib/credits/scheduled-changes";
import { appLink, queueMailToUser } from "@/lib/mail";

/** Marks a decision as waiting for its owner's confirmation and tells them, once (in the app and by email). */
export async function askToConfirm(db: Db, d: PlanChange, now: Date) {
  await withRetry(() =>
    db.transaction(async (tx) => {
      const [marked] = await tx
        .update(planChanges)
        .set({ needsActionAt: now, updatedAt: now })
        .where(and(eq(planChanges.id, d.id), eq(planChanges.status, "paying"), isNull(planChanges.needsActionAt)))
        .returning({ id: planChanges.id });
      if (!marked) return;
      const href = `/settings/billing/confirm/${d.id}`;
      if (d.accountId) {
        await notify(tx, { userId: d.requestedBy, workspaceId: d.workspaceId, accountId: d.accountId, kind: d.topUpKind === "integration" ? "integration" : "message", cycleStart: now, body: `Your bank asks you to confirm the payment for ${describe(d)}. It applies as soon as you confirm.`, dedupeKey: `confirm:${d.id}`, href }, now);
      }
      await decisionMail(tx, d, "confirm", now);
    }),
  );
}

/**
 * The owner's email about a decision, in its transaction: a receipt when it applied, or word
 * that the card was declined (nothing charged, nothing changed). Once per decision and kind.
 */
export async function decisionMail(tx: Db, d: PlanChange, what: "receipt" | "declined" | "confirm", now: Date, reason?: string) {
  const [ws] = await tx.select({ name: workspaces.name }).from(workspaces).where(eq(workspaces.id, d.workspaceId));
  const item = describe(d);
  const amount = `$${((d.amountCents ?? 0) / 100).toFixed(2)}`;
  await queueMailToUser(
    tx,
    d.requestedBy,
    what === "confirm"
      ? {
          key: `confirm:${d.id}`,
          workspaceId: d.workspaceId,
          subject: `Confirm your payment: ${item} for ${ws?.name ?? "your workspace"} (${amount})`,
          text: [`Your bank asks you to confirm the payment of ${amount} for ${item} in ${ws?.name ?? "your workspace"}.`, "Nothing is charged or changed until you do.", "", `Confirm: ${appLink(`/settings/billing/confirm/${d.id}`)}`].join("\n"),
        }
      : what === "receipt"
      ? {
          key: `receipt:${d.id}`,
          workspaceId: d.workspaceId,
          subject: `Receipt: ${item} for ${ws?.name ?? "your workspace"} (${amount})`,
          text: [`Paid ${amount} for ${item} in ${ws?.name ?? "your workspace"}.`, `Reference: ${d.providerRef ?? "pending"}`, "", `Receipt: ${appLink(`/settings/billing/receipts/${d.id}`)}`].join("\n"),
        }
      : {
          key: `declined:${d.id}`,
          workspaceId: d.workspaceId,
          subject: `Payment declined: ${item} for ${ws?.name ?? "your workspace"}`,
          text: [`The payment of ${amount} for ${item} in ${ws?.name ?? "your workspace"} was declined${reason ? ` (${reason})` : ""}.`, "Nothing was charged and nothing changed.", "", `Billing: ${appLink("/settings/billing")}`].join("\n"),
        },
    now,
  );
}

export function describe(d: PlanChange): string {
  if (d.kind === "top_up") return `${d.packs} ${d.topUpKind} top-up pack${d.packs === 1 ? "" : "s"}`;
  if (d.kind === "add_seat") return `${d.toPlanId} seat`;
  if (d.kind === "start_pool") return `${d.toPlanId} shared pool`;
  return `Upgrade to ${d.toPlanId}`;
}
