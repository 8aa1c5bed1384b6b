import { NextResponse } from "next/server";
import type { Db } from "@/db/client";
import { getAccountBalance } from "@/lib/credits/balance";
import { memberAllocations } from "@/lib/credits/member-limits";
import { findPool, settleModelSwitchIfDue } from "@/lib/credits/model-switch";
import { listMembers } from "@/lib/workspaces/members";
import { requireRole } from "@/lib/workspaces/roles";
import { balanceJson, jsonError, limitJson } from "./http";

/**
 * GET /api/v1/workspace/credits (owners and admins): a shared pool's credits and every member's
 * allocation of message credits in it (limit, whether it is the workspace's default, used,
 * remaining). A workspace on seats answers 409: it has no pool.
 */
export async function getWorkspaceCredits(db: Db, workspaceId: string, userId: string, now: Date): Promise<Response> {
  await requireRole(db, { workspaceId, userId }, ["owner", "admin"], "see every member's credits");
  await settleModelSwitchIfDue(db, workspaceId, now);
  const pool = await findPool(db, workspaceId);
  if (!pool) return jsonError(409, "not_a_pool", "This workspace gives each paid member a seat of their own; it has no shared pool.");
  const b = await getAccountBalance(db, pool, now);
  const [allocations, members] = await Promise.all([memberAllocations(db, workspaceId, pool.messageAllowance, b.message.cycleStart), listMembers(db, workspaceId)]);
  return NextResponse.json(
    {
      workspaceId,
      model: "pool",
      planId: pool.planId,
      creditPool: { message: balanceJson(b.message), integration: balanceJson(b.integration) },
      memberAllocations: members.map((m) => ({ userId: m.userId, name: m.name, role: m.role, ...limitJson(allocations.get(m.userId)!) })),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}
