/** Use case: set a pool's member limits (the workspace default, one member's own). */
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, workspaces } from "@/db/schema";
import { formatCredits, type Millicredits } from "@/lib/credits/amounts";
import { lockMembership, lockWorkspace } from "@/lib/credits/locks";
import { findPool, memberIds } from "@/lib/credits/model-switch";
import { invalid, notFound } from "@/lib/errors";
import { afterCommit } from "@/lib/events";
import { writeAudit } from "@/lib/workspaces/audit";
import { requireRole } from "@/lib/workspaces/roles";

/**
 * Owners and admins set member limits: the workspace's default (`defaultLimit`, null: none)
 * and/or one member's own (a number, null for "no limit", or "default" to follow the
 * workspace's). The owner is never limited; a limit is at most the pool's monthly allowance.
 * Setting what is already set changes nothing (and writes no audit line).
 */
export async function setMemberLimits(
  db: Db,
  args: { workspaceId: string; byUserId: string; defaultLimit?: Millicredits | null; member?: { userId: string; limit: Millicredits | null | "default" } },
  now: Date,
): Promise<{ changed: boolean }> {
  await requireRole(db, { workspaceId: args.workspaceId, userId: args.byUserId }, ["owner", "admin"], "set member limits");
  const pool = await findPool(db, args.workspaceId);
  if (!pool) throw invalid("Member limits apply to a shared pool; this workspace is on seats.");
  const check = (limit: Millicredits | null) => {
    if (limit === null) return;
    if (!Number.isInteger(limit) || limit < 0) throw invalid("A limit is a number of credits, 0 or more.");
    if (limit > pool.messageAllowance) throw invalid(`A limit can't be more than the pool's ${formatCredits(pool.messageAllowance)} message credits a month.`);
  };
  if (args.defaultLimit !== undefined) check(args.defaultLimit);
  if (args.member && args.member.limit !== "default") check(args.member.limit);
  const changed = await db.transaction(async (tx) => {
    const ws = await lockWorkspace(tx, args.workspaceId);
    if (!ws) throw notFound("Workspace");
    let any = false;
    if (args.defaultLimit !== undefined && args.defaultLimit !== ws.memberMessageLimit) {
      await tx.update(workspaces).set({ memberMessageLimit: args.defaultLimit }).where(eq(workspaces.id, ws.id));
      await writeAudit(tx, { workspaceId: ws.id, actorUserId: args.byUserId, action: "limit.default_changed", targetType: "workspace", targetId: ws.id, details: { from: creditsOrNone(ws.memberMessageLimit), to: creditsOrNone(args.defaultLimit) }, now });
      any = true;
    }
    if (args.member) {
      if (args.member.userId === ws.ownerId) throw invalid("The owner is never limited.");
      const m = await lockMembership(tx, ws.id, args.member.userId);
      if (!m) throw notFound("Member");
      const next = args.member.limit === "default" ? { messageLimitSet: false, messageLimit: null } : { messageLimitSet: true, messageLimit: args.member.limit };
      if (next.messageLimitSet !== m.messageLimitSet || next.messageLimit !== m.messageLimit) {
        await tx.update(memberships).set(next).where(eq(memberships.id, m.id));
        await writeAudit(tx, {
          workspaceId: ws.id,
          actorUserId: args.byUserId,
          action: "limit.member_changed",
          targetType: "user",
          targetId: m.userId,
          details: { from: m.messageLimitSet ? creditsOrNone(m.messageLimit) : "the default", to: next.messageLimitSet ? creditsOrNone(next.messageLimit) : "the default" },
          now,
        });
        any = true;
      }
    }
    return any;
  });
  if (changed) afterCommit(await memberIds(db, args.workspaceId));
  return { changed };
}

const creditsOrNone = (limit: Millicredits | null) => (limit === null ? "no limit" : `${formatCredits(limit)} credits`);
