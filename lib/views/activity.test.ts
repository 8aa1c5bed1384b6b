import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { users, workspaces } from "@/db/schema";
import { seedDemoIfEmpty } from "@/lib/demo-data";
import { createTestDb } from "@/tests/support/test-db";
import { safeTimeZone } from "@/lib/format/time";
import { breakdownByAction, listActivity, usageByDay } from "./activity";

let h: DbHandle & { cleanup(): Promise<void> };
const now = new Date("2026-11-25T15:30:00Z");
let acme: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await createTestDb();
  await seedDemoIfEmpty(h.db, now);
  acme = (await h.db.select().from(workspaces).where(eq(workspaces.name, "Acme")))[0]!.id;
  for (const u of await h.db.select().from(users)) ids[u.email.split("@")[0]!] = u.id;
});
afterAll(async () => h?.cleanup());

describe("activity views", () => {
  it("a member sees only what they did or paid for; an owner sees everyone", async () => {
    const mine = await listActivity(h.db, { workspaceId: acme, viewerId: ids.ken!, role: "member", filters: {}, limit: 10_000 });
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.actorName === "Ken Thompson" || r.payerName === "Ken Thompson")).toBe(true);
    const all = await listActivity(h.db, { workspaceId: acme, viewerId: ids.ada!, role: "owner", filters: {}, limit: 10_000 });
    expect(new Set(all.map((r) => r.actorName ?? "app user")).size).toBe(5);
  });

  it("filters by kind, outcome and member", async () => {
    const rows = await listActivity(h.db, { workspaceId: acme, viewerId: ids.ada!, role: "owner", filters: { kind: "integration", memberId: ids.linus }, limit: 10_000 });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.kind === "integration" && r.payerName === "Linus Torvalds")).toBe(true);
    const free = await listActivity(h.db, { workspaceId: acme, viewerId: ids.ada!, role: "owner", filters: { outcome: "free" }, limit: 10_000 });
    expect(free.every((r) => r.amount === 0 && r.action === "edit.manual")).toBe(true);
  });

  it("usage per day covers 30 days and adds up to the breakdown by action", async () => {
    const args = { workspaceId: acme, viewerId: ids.ada!, role: "owner" as const, now, days: 30, mineOnly: false, timeZone: "America/Los_Angeles" };
    const days = await usageByDay(h.db, args);
    expect(days).toHaveLength(30);
    expect(days.at(-1)!.day).toBe("2026-11-25");
    const byAction = await breakdownByAction(h.db, args);
    const sum = (kind: string) => byAction.filter((a) => a.kind === kind).reduce((s, a) => s + a.total, 0);
    expect(days.reduce((s, d) => s + d.message, 0)).toBe(sum("message"));
    expect(days.reduce((s, d) => s + d.integration, 0)).toBe(sum("integration"));
    expect(sum("integration")).toBeGreaterThan(0);
  });

  it("accepts only real time zone names", () => {
    expect(safeTimeZone("Europe%2FBerlin")).toBe("Europe/Berlin");
    expect(safeTimeZone("Mars/Olympus")).toBe("UTC");
    expect(safeTimeZone("'; drop table users; --")).toBe("UTC");
    expect(safeTimeZone(undefined)).toBe("UTC");
  });
});
