import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { topUpPacks } from "@/db/schema";
import { listSeats, seatBalance } from "@/lib/views/billing";
import { requireRole } from "@/lib/workspaces/roles";

/**
 * The Buy top-up dialog's data, for the workspace owner: each active seat with what it has
 * now of each kind, and the packs. The owner's own seat (or the workspace's pool) comes first.
 */
export async function getTopUpOptions(db: Db, { workspaceId, userId }: { workspaceId: string; userId: string }, now: Date) {
  await requireRole(db, { workspaceId, userId }, ["owner"], "buy top-ups");
  const { seats } = await listSeats(db, workspaceId, now);
  const packs = await db.select().from(topUpPacks).where(and(eq(topUpPacks.active, true)));
  const withBalances = await Promise.all(
    seats.map(async (s) => {
      const b = await seatBalance(db, s.id, now);
      return {
        seatId: s.id,
        label: s.type === "pool" ? `Shared pool · ${s.plan.name}` : `${s.holderName ?? "Unassigned"} · ${s.plan.name}`,
        // In a shared pool the pool is everyone's: it comes first.
        mine: s.type === "pool" || s.holderUserId === userId,
        available: { message: b.message.available, integration: b.integration.available },
      };
    }),
  );
  withBalances.sort((a, b) => Number(b.mine) - Number(a.mine));
  return {
    seats: withBalances,
    packs: packs.filter((p) => p.kind !== "none").map((p) => ({ kind: p.kind as "message" | "integration", credits: p.credits, priceCents: p.priceCents })),
  };
}

export type TopUpOptions = Awaited<ReturnType<typeof getTopUpOptions>>;
