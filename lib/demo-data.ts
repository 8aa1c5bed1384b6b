import { eq } from "drizzle-orm";
import { COSTS, costOf, type ActionName } from "@/lib/credits/costs";
import { cycleAt } from "@/lib/credits/cycle";
import { planSpec, TOP_UP_PACKS, TOP_UP_VALIDITY_MONTHS, type PlanId } from "@/lib/credits/plans";
import { credits } from "@/lib/credits/amounts";
import { addMonths } from "date-fns";
import { hashPassword } from "@/lib/auth/password";
import type { Db } from "@/db/client";
import {
  accountUsage,
  apps,
  auditLog,
  creditAccounts,
  creditLedger,
  memberships,
  planChanges,
  topUpLots,
  users,
  workspaces,
} from "@/db/schema";
import { DAY, rng, seedPoolDemo } from "./demo-pool";

export const DEMO_PASSWORD = "credits-demo";
export const DEMO_PEOPLE = [
  { email: "ada@example.com", name: "Ada Lovelace", role: "owner", seat: "builder" },
  { email: "grace@example.com", name: "Grace Hopper", role: "admin", seat: "builder" },
  { email: "linus@example.com", name: "Linus Torvalds", role: "member", seat: "starter" },
  { email: "ken@example.com", name: "Ken Thompson", role: "member", seat: null },
] as const;



export async function seedDemoIfEmpty(db: Db, now: Date): Promise<boolean> {
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, DEMO_PEOPLE[0].email));
  if (existing) return false;
  await seedDemo(db, now);
  return true;
}

interface Account {
  id: string;
  planId: PlanId;
  anchor: Date;
  userId: string;
}

/**
 * The demo workspace "Acme" with 60 days of usage. History is replayed through the same
 * cycle math and cost table as live debits, so every usage row equals the ledger's sum and
 * over-allowance attempts are recorded as refusals, as they would have been.
 */
export async function seedDemo(db: Db, now: Date): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const joined = new Date(now.getTime() - 90 * DAY);
  const billingAnchor = new Date(Math.floor((now.getTime() - 70 * DAY) / DAY) * DAY + 9 * 3600_000);

  await db.transaction(async (tx) => {
    const people = await tx
      .insert(users)
      .values(DEMO_PEOPLE.map((p) => ({ email: p.email, name: p.name, passwordHash, createdAt: joined })))
      .returning();
    const byEmail = new Map(people.map((u) => [u.email, u]));
    const person = (email: string) => {
      const u = byEmail.get(email);
      if (!u) throw new Error(`demo user ${email} missing`);
      return u;
    };
    const ada = person("ada@example.com");

    const [acme] = await tx
      .insert(workspaces)
      .values({ name: "Acme", ownerId: ada.id, billingAnchor, createdAt: joined })
      .returning();
    if (!acme) throw new Error("demo workspace not created");

    await tx.insert(memberships).values(
      DEMO_PEOPLE.map((p) => ({ workspaceId: acme.id, userId: person(p.email).id, role: p.role, createdAt: joined })),
    );

    const free = await tx
      .insert(creditAccounts)
      .values(people.map((u) => ({ type: "free" as const, planId: "free", holderUserId: u.id, anchorAt: u.createdAt, createdAt: joined })))
      .returning();
    const seated = DEMO_PEOPLE.filter((p) => p.seat !== null);
    const seats = await tx
      .insert(creditAccounts)
      .values(
        seated.map((p) => ({
          type: "seat" as const,
          workspaceId: acme.id,
          planId: p.seat as PlanId,
          holderUserId: person(p.email).id,
          anchorAt: billingAnchor,
          createdAt: billingAnchor,
        })),
      )
      .returning();
    await tx.insert(planChanges).values(
      seats.map((s) => ({
        workspaceId: acme.id,
        accountId: s.id,
        kind: "add_seat" as const,
        toPlanId: s.planId,
        amountCents: planSpec(s.planId as PlanId).priceCents,
        status: "applied" as const,
        effectiveAt: billingAnchor,
        requestedBy: ada.id,
        providerRef: "test-mode",
        createdAt: billingAnchor,
        settledAt: billingAnchor,
      })),
    );
    await tx.insert(auditLog).values(
      seats.map((s) => ({
        workspaceId: acme.id,
        actorUserId: ada.id,
        action: "seat.added",
        targetType: "seat",
        targetId: s.id,
        details: { plan: s.planId, holderUserId: s.holderUserId },
        createdAt: billingAnchor,
      })),
    );

    // The account each person acts with in Acme: their seat, else their free allowance.
    const accountOf = new Map<string, Account>();
    for (const a of [...free, ...seats]) {
      if (!a.holderUserId) continue;
      if (a.type === "seat" || !accountOf.has(a.holderUserId)) {
        accountOf.set(a.holderUserId, { id: a.id, planId: a.planId as PlanId, anchor: a.anchorAt, userId: a.holderUserId });
      }
    }
    const actingAccount = (userId: string) => {
      const a = accountOf.get(userId);
      if (!a) throw new Error("demo account missing");
      return a;
    };

    const [storefront, helpdesk] = await tx
      .insert(apps)
      .values([
        { workspaceId: acme.id, ownerUserId: ada.id, name: "Storefront", design: { title: "Storefront", tagline: "Desk gear, shipped fast", accent: "#4f46e5" }, createdAt: joined },
        {
          workspaceId: acme.id,
          ownerUserId: person("linus@example.com").id,
          name: "Helpdesk",
          design: { title: "Helpdesk", tagline: "Answers within a day", accent: "#0d9488" },
          createdAt: joined,
        },
      ])
      .returning();
    if (!storefront || !helpdesk) throw new Error("demo apps not created");

    interface Planned {
      at: Date;
      action: ActionName;
      quantity: number;
      actorUserId: string | null;
      payer: Account;
      appId: string;
      source: string;
    }
    const r = rng(20261125);
    const planned: Planned[] = [];
    const when = (dayStart: number) => new Date(dayStart + r.int(7 * 3600, 21 * 3600) * 1000 + r.int(0, 999));
    const messageMix: ActionName[] = ["message.discuss", "message.discuss", "message.discuss", "message.discuss", "message.implement", "message.implement", "edit.manual"];
    const integrationMix: ActionName[] = ["integration.llm", "integration.llm", "integration.llm", "integration.email", "integration.image", "integration.api_call", "integration.file_upload", "integration.email_custom_domain"];
    const busy = { "ada@example.com": [2, 9], "grace@example.com": [1, 8], "linus@example.com": [0, 6], "ken@example.com": [2, 9] } as const;

    for (let d = 60; d >= 0; d--) {
      const dayStart = Math.floor((now.getTime() - d * DAY) / DAY) * DAY;
      for (const p of DEMO_PEOPLE) {
        const u = person(p.email);
        const [lo, hi] = busy[p.email];
        const appId = p.email === "linus@example.com" || (p.email === "grace@example.com" && r.next() < 0.4) ? helpdesk.id : storefront.id;
        for (let i = r.int(lo, hi); i > 0; i--) {
          const action = messageMix[r.int(0, messageMix.length - 1)]!;
          planned.push({ at: when(dayStart), action, quantity: 1, actorUserId: u.id, payer: actingAccount(u.id), appId, source: "editor" });
        }
      }
      for (const [app, ownerId, lo, hi, maxQty] of [
        [storefront, ada.id, 6, 14, 25],
        [helpdesk, helpdesk.ownerUserId, 3, 9, 8],
      ] as const) {
        for (let i = r.int(lo, hi); i > 0; i--) {
          const action = integrationMix[r.int(0, integrationMix.length - 1)]!;
          const fromEditor = r.next() < 0.15;
          planned.push({
            at: when(dayStart),
            action,
            quantity: r.int(1, maxQty),
            actorUserId: fromEditor ? ownerId : null,
            payer: actingAccount(ownerId),
            appId: app.id,
            source: fromEditor ? "editor" : "api",
          });
        }
      }
    }

    const events = planned.filter((e) => e.at < now).sort((a, b) => a.at.getTime() - b.at.getTime());
    const usage = new Map<string, typeof accountUsage.$inferInsert>();
    const ledgerRows: (typeof creditLedger.$inferInsert)[] = [];
    events.forEach((e, i) => {
      const plan = planSpec(e.payer.planId);
      const cycle = cycleAt(e.payer.anchor, plan.cadence, e.at);
      const key = `${e.payer.id}|${cycle.start.toISOString()}`;
      let row = usage.get(key);
      if (!row) {
        row = {
          accountId: e.payer.id,
          cycleStart: cycle.start,
          cycleEnd: cycle.end,
          planId: plan.id,
          messageAllowance: plan.messageAllowance,
          integrationAllowance: plan.integrationAllowance,
          messageUsed: 0,
          integrationUsed: 0,
          updatedAt: e.at,
        };
        usage.set(key, row);
      }
      const kind = COSTS[e.action].kind;
      const amount = costOf(e.action, e.quantity);
      let outcome: "charged" | "free" | "refused" = "free";
      if (kind === "message") {
        outcome = (row.messageUsed ?? 0) + amount <= row.messageAllowance ? "charged" : "refused";
        if (outcome === "charged") row.messageUsed = (row.messageUsed ?? 0) + amount;
      } else if (kind === "integration") {
        outcome = (row.integrationUsed ?? 0) + amount <= row.integrationAllowance ? "charged" : "refused";
        if (outcome === "charged") row.integrationUsed = (row.integrationUsed ?? 0) + amount;
      }
      row.updatedAt = e.at;
      ledgerRows.push({
        idempotencyKey: `seed:${i}`,
        requestHash: "seed",
        actorUserId: e.actorUserId,
        payerAccountId: e.payer.id,
        payerUserId: e.payer.userId,
        workspaceId: acme.id,
        appId: e.appId,
        action: e.action,
        kind: kind ?? "none",
        quantity: e.quantity,
        amount,
        outcome,
        cycleStart: cycle.start,
        source: e.source,
        createdAt: e.at,
      });
    });

    for (let i = 0; i < ledgerRows.length; i += 1000) {
      await tx.insert(creditLedger).values(ledgerRows.slice(i, i + 1000));
    }
    await tx.insert(accountUsage).values([...usage.values()]);

    // Top-ups and a cap, so a newcomer sees them: Ada bought 2 integration packs for her seat
    // 20 days ago; Helpdesk (Linus's app) may spend at most 500 integration credits a cycle.
    const adaSeat = seats.find((s) => s.holderUserId === ada.id)!;
    const pack = TOP_UP_PACKS.find((p) => p.kind === "integration")!;
    const boughtAt = new Date(now.getTime() - 20 * DAY);
    const [purchase] = await tx
      .insert(planChanges)
      .values({ workspaceId: acme.id, accountId: adaSeat.id, kind: "top_up", topUpKind: "integration", packs: 2, amountCents: 2 * pack.priceCents, status: "applied", effectiveAt: boughtAt, requestedBy: ada.id, providerRef: "test-mode", createdAt: boughtAt, settledAt: boughtAt })
      .returning();
    await tx.insert(topUpLots).values({ workspaceId: acme.id, accountId: adaSeat.id, kind: "integration", credits: 2 * pack.credits, purchasedAt: boughtAt, expiresAt: addMonths(boughtAt, TOP_UP_VALIDITY_MONTHS), source: "purchase", decisionId: purchase!.id, createdAt: boughtAt });
    await tx.insert(auditLog).values({ workspaceId: acme.id, actorUserId: ada.id, action: "top_up.bought", targetType: "seat", targetId: adaSeat.id, details: { kind: "integration", packs: 2, credits: "2,000" }, createdAt: boughtAt });
    // The cap counts what the ledger already charged this cycle (app_usage, kept by its trigger).
    await tx.update(apps).set({ integrationCap: credits(500) }).where(eq(apps.id, helpdesk.id));
  });
  await seedPoolDemo(db, now, passwordHash);
}


