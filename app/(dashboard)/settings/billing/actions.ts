"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { MAX_PACKS_PER_PURCHASE, PAID_PLAN_IDS } from "@/lib/credits/plans";
import { moveLots, setAutoTopUp } from "@/lib/billing/top-ups/settings";
import { credits } from "@/lib/credits/amounts";
import { scheduleModelSwitch, undoModelSwitch } from "@/lib/billing/pools/switch-model";
import { startPool } from "@/lib/billing/pools/start-pool";
import { startCardSetup } from "@/lib/billing/payments/stripe";
import { env } from "@/lib/env";
import { invalid } from "@/lib/errors";
import { appLink } from "@/lib/mail";
import { requireRole } from "@/lib/workspaces/roles";
import { addSeat } from "@/lib/billing/seats/add-seat";
import { cancelPaidPlan, removeSeat, resumePaidPlan, undoScheduledChange } from "@/lib/billing/seats/end-seats";
import { changeSeatPlan } from "@/lib/billing/seats/change-plan";

const id = z.string().uuid();
/** The owner's decision, made once in the page: sent twice (a double-click, a retry), it is charged once. */
const decisionKey = z.string().uuid().optional();
const paidPlan = z.enum(PAID_PLAN_IDS, { error: "Choose a paid plan." });
const done = () => revalidatePath("/settings", "layout");

export const addSeatAction = authedAction(
  z.object({ workspaceId: id, planId: paidPlan, holderUserId: z.union([id, z.literal("")]).optional(), decisionKey }),
  async (input, { db, user }) => {
    const seat = await addSeat(db, { ...input, holderUserId: input.holderUserId || null, byUserId: user.id }, new Date());
    done();
    return { seatId: seat.id };
  },
);

export const changeSeatPlanAction = authedAction(z.object({ seatId: id, toPlanId: paidPlan, decisionKey }), async (input, { db, user }) => {
  const r = await changeSeatPlan(db, { ...input, byUserId: user.id }, new Date());
  done();
  return r.effect === "now" ? { effect: "now" as const } : { effect: "scheduled" as const, effectiveAt: r.effectiveAt.toISOString() };
});

export const removeSeatAction = authedAction(z.object({ seatId: id }), async (input, { db, user }) => {
  const r = await removeSeat(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { effectiveAt: r.effect === "scheduled" ? r.effectiveAt.toISOString() : null };
});

export const cancelPlanAction = authedAction(z.object({ workspaceId: id }), async (input, { db, user }) => {
  const r = await cancelPaidPlan(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { seats: r.length };
});

export const undoChangeAction = authedAction(z.object({ changeId: id }), async (input, { db, user }) => {
  await undoScheduledChange(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { undone: true };
});

export const setAutoTopUpAction = authedAction(
  z.object({
    seatId: id,
    kind: z.enum(["message", "integration"]),
    enabled: z.union([z.boolean(), z.enum(["on", "off", "true", "false"]).transform((v) => v === "on" || v === "true")]).default(false),
    threshold: z.coerce.number().int("Use whole credits for the threshold.").min(1, "Set a threshold of at least 1 credit.").max(1_000_000, "Keep the threshold under 1,000,000 credits."),
    packs: z.coerce.number().int().min(1).max(MAX_PACKS_PER_PURCHASE, `At most ${MAX_PACKS_PER_PURCHASE} packs at a time.`),
    maxPerCycle: z.coerce.number().int().min(1, "Allow at least one purchase a cycle.").max(10, "At most 10 automatic purchases a cycle."),
  }),
  async (input, { db, user }) => {
    const rule = await setAutoTopUp(db, { seatId: input.seatId, kind: input.kind, rule: { enabled: input.enabled, threshold: credits(input.threshold), packs: input.packs, maxPerCycle: input.maxPerCycle }, byUserId: user.id }, new Date());
    done();
    return { enabled: rule.enabled };
  },
);

export const moveLotsAction = authedAction(z.object({ lotIds: z.array(id).min(1).max(50), toSeatId: id }), async (input, { db, user }) => {
  const moved = await moveLots(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { moved };
});

export const resumePlanAction = authedAction(z.object({ workspaceId: id }), async (input, { db, user }) => {
  const seats = await resumePaidPlan(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { seats };
});

/** A workspace without paid seats opens a shared pool now (a paid decision, like a seat). */
export const startPoolAction = authedAction(z.object({ workspaceId: id, planId: paidPlan, decisionKey }), async (input, { db, user }) => {
  await startPool(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { started: true };
});

/** Switch the credit model at the next billing date (seats → pool takes the pool's plan). */
export const scheduleModelSwitchAction = authedAction(
  z.object({ workspaceId: id, to: z.enum(["seats", "pool"]), planId: paidPlan.optional() }),
  async (input, { db, user }) => {
    const r = await scheduleModelSwitch(db, { ...input, byUserId: user.id }, new Date());
    done();
    return { effectiveAt: r.effectiveAt.toISOString() };
  },
);

export const undoModelSwitchAction = authedAction(z.object({ workspaceId: id }), async (input, { db, user }) => {
  await undoModelSwitch(db, { ...input, byUserId: user.id }, new Date());
  done();
  return { undone: true };
});

/** Save (or replace) the workspace's card with Stripe: the owner is sent to Checkout in setup mode. */
export const startCardSetupAction = authedAction(z.object({ workspaceId: id }), async (input, { db, user }) => {
  await requireRole(db, { workspaceId: input.workspaceId, userId: user.id }, ["owner"], "save a card");
  if (env().PAYMENTS !== "stripe") throw invalid("Payments are in test mode here: no card is needed.");
  const url = await startCardSetup(db, input.workspaceId, {
    successUrl: appLink("/settings/billing/card?session_id={CHECKOUT_SESSION_ID}"),
    cancelUrl: appLink("/settings/billing?card=cancelled#payment-method"),
  });
  return { url };
});
