"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { authedAction } from "@/lib/action";
import { PAID_PLAN_IDS } from "@/lib/credits/plans";
import { addSeat, cancelPaidPlan, changeSeatPlan, removeSeat, undoScheduledChange } from "@/lib/credits/plan-changes";

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
