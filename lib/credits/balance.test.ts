import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { memberships, workspaces } from "@/db/schema";
import { seedDemoIfEmpty } from "@/lib/demo-data";
import { createTestDb } from "@/tests/support/test-db";
import { getMemberBalance, getMemberBalances } from "./balance";
import { reserveCredits } from "./debit";

let h: DbHandle & { cleanup(): Promise<void> };
const now = new Date("2026-11-25T15:30:00Z");

beforeAll(async () => {
  h = await createTestDb();
  await seedDemoIfEmpty(h.db, now);
});
afterAll(async () => h?.cleanup());

describe("getMemberBalances", () => {
  it("gives every member exactly what the one-member read gives, held credits included", async () => {
    const [acme] = await h.db.select().from(workspaces).where(eq(workspaces.name, "Acme"));
    const members = await h.db.select().from(memberships).where(eq(memberships.workspaceId, acme!.id));
    // One member holds credits in a reservation: that account takes the upkeep path.
    const held = await reserveCredits(h.db, { key: "hold-1", action: "message.implement", workspaceId: acme!.id, actorUserId: members[0]!.userId }, now);
    expect(held.outcome).toBe("reserved");
    const all = await getMemberBalances(h.db, acme!.id, now);
    expect(all.size).toBe(4);
    for (const m of members) expect(all.get(m.userId)).toEqual(await getMemberBalance(h.db, { workspaceId: acme!.id, userId: m.userId }, now));
    expect(all.get(members[0]!.userId)!.message.reserved).toBe(1000);
  });
});
