import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { rowsOf } from "@/lib/credits/ledger";
import type { Db } from "@/db/client";
import { apps, creditAccounts, memberships, users, workspaces } from "@/db/schema";

/**
 * Small builders for integration tests. They write rows directly (no password hashing) so
 * a test sets up exactly the world it asserts on.
 */
export async function makeUser(db: Db, name: string, createdAt: Date) {
  const [user] = await db
    .insert(users)
    .values({ email: `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@test.example`, name, passwordHash: "x", createdAt })
    .returning();
  await db.insert(creditAccounts).values({ type: "free", planId: "free", holderUserId: user!.id, anchorAt: createdAt, createdAt });
  return user!;
}

export async function makeWorkspace(
  db: Db,
  owner: { id: string },
  opts: { name?: string; billingAnchor?: Date | null; members?: { id: string; role?: "admin" | "member" }[]; createdAt?: Date } = {},
) {
  const createdAt = opts.createdAt ?? new Date("2026-01-01T00:00:00Z");
  const [ws] = await db
    .insert(workspaces)
    .values({ name: opts.name ?? "Test workspace", ownerId: owner.id, billingAnchor: opts.billingAnchor ?? null, createdAt })
    .returning();
  await db.insert(memberships).values([
    { workspaceId: ws!.id, userId: owner.id, role: "owner" as const, createdAt },
    ...(opts.members ?? []).map((m) => ({ workspaceId: ws!.id, userId: m.id, role: m.role ?? ("member" as const), createdAt })),
  ]);
  return ws!;
}

export async function makeSeat(db: Db, ws: { id: string; billingAnchor: Date | null }, planId: string, holderUserId: string | null) {
  if (!ws.billingAnchor) throw new Error("makeSeat needs a workspace with a billing anchor");
  const [seat] = await db
    .insert(creditAccounts)
    .values({ type: "seat", workspaceId: ws.id, planId, holderUserId, anchorAt: ws.billingAnchor, createdAt: ws.billingAnchor })
    .returning();
  return seat!;
}

export async function makeApp(db: Db, ws: { id: string }, owner: { id: string }, name = "App") {
  const [app] = await db.insert(apps).values({ workspaceId: ws.id, ownerUserId: owner.id, name }).returning();
  return app!;
}

/** Row counts of every table a charge or a plan change can write: for "nothing changed" checks. */
export async function writableRowCounts(db: Db) {
  const result = await db.execute(sql`
    select (select count(*) from credit_ledger)::int as ledger,
           (select count(*) from account_usage)::int as usage,
           (select coalesce(sum(message_used + integration_used + message_reserved + integration_reserved), 0)::bigint as n from account_usage) as used,
           (select count(*) from reservations)::int as reservations,
           (select count(*) from notifications)::int as notifications,
           (select count(*) from plan_changes)::int as plan_changes,
           (select count(*) from audit_log)::int as audit,
           (select count(*) from credit_accounts)::int as accounts,
           (select count(*) from app_keys)::int as app_keys,
           (select count(*) from memberships)::int as memberships,
           (select count(*) from invitations)::int as invitations,
           (select count(*) from seat_transfers)::int as seat_transfers,
           (select count(*) from apps)::int as apps,
           (select string_agg(id::text || plan_id || coalesce(holder_user_id::text, '-') || status, ',' order by id) from credit_accounts) as account_state,
           (select string_agg(id::text || role, ',' order by id) from memberships) as roles`);
  const row = rowsOf(result)[0]!;
  const keys = ["ledger", "usage", "used", "reservations", "notifications", "plan_changes", "audit", "accounts", "app_keys", "memberships", "invitations", "seat_transfers", "apps"] as const;
  return {
    ...(Object.fromEntries(keys.map((k) => [k, Number(row[k])])) as Record<(typeof keys)[number], number>),
    accountState: String(row.account_state),
    roles: String(row.roles),
  };
}

/**
 * Runs what the job queue's worker would: every decision still on its way, at `now` (unit tests
 * run no worker). Returns how many it drove.
 */
export async function drainDecisions(db: Db, now: Date, provider?: import("@/lib/billing/payments/provider").PaymentProvider) {
  const { sweepDecisions } = await import("@/lib/billing/drive/run-decision");
  const { testModeProvider } = await import("@/lib/billing/payments/provider");
  return (await sweepDecisions(db, provider ?? testModeProvider, null, () => now)).driven;
}

/**
 * The usual cast, for every test file: Ada owns a workspace billed from `anchor` (and holds its
 * `adaSeat` seat, Starter unless null); Linus (a member, or `linusRole`), Ken and Grace (`graceRole`)
 * are members, Linus with a `linusSeat` seat when asked; Ada's app Storefront. Asking for a seat
 * that was not made throws, naming the option.
 */
export async function team(
  db: Db,
  opts: { anchor?: Date; joined?: Date; adaSeat?: string | null; linusSeat?: string | null; linusRole?: "admin" | "member"; graceRole?: "admin" | "member"; plan?: string } = {},
) {
  const joined = opts.joined ?? new Date("2026-06-01T00:00:00Z");
  const anchor = opts.anchor ?? new Date("2026-07-05T09:00:00.000Z");
  const ada = await makeUser(db, "Ada", joined);
  const linus = await makeUser(db, "Linus", joined);
  const ken = await makeUser(db, "Ken", joined);
  const grace = await makeUser(db, "Grace", joined);
  const ws = await makeWorkspace(db, ada, { billingAnchor: anchor, members: [{ id: linus.id, role: opts.linusRole }, { id: ken.id }, { id: grace.id, role: opts.graceRole }] });
  const adaPlan = opts.adaSeat === undefined ? (opts.plan ?? "starter") : opts.adaSeat;
  const adaSeat = adaPlan ? await makeSeat(db, ws, adaPlan, ada.id) : null;
  const linusSeat = opts.linusSeat ? await makeSeat(db, ws, opts.linusSeat, linus.id) : null;
  const app = await makeApp(db, ws, ada, "Storefront");
  const need = <T>(seat: T | null, option: string): T => {
    if (!seat) throw new Error(`team(): that seat was not made; pass ${option}`);
    return seat;
  };
  return {
    ada,
    linus,
    ken,
    grace,
    ws,
    app,
    /** Ada's seat. */
    get seat() {
      return need(adaSeat, "adaSeat");
    },
    get linusSeat() {
      return need(linusSeat, "linusSeat");
    },
  };
}
export type Team = Awaited<ReturnType<typeof team>>;
