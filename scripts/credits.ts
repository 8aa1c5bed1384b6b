/**
 * Operator CLI: `npm run credits -- <command>`.
 *   keys create --app <name or id>   print a new app key (shown this once)
 *   keys revoke --key <prefix or id> revoke a key: requests with it answer 401 at once
 *   balance --email <address>        both balances of a person, this cycle, per workspace
 *   topups list --email <address>    the top-ups of every seat the person holds or owns
 *   topups grant --email <address> --kind message|integration --credits <n> --reason <text>
 *                                    support's grant to the person's seat (audit-logged)
 *   decisions                        owners' paid decisions still on their way (recorded, paying, paid)
 *   decisions retry --id <id>        drive one on now (charging with its key: never twice)
 *   decisions void --id <id> --reason <text>
 *                                    give up on one: it will not apply; what was charged is refunded
 *   check                            recompute usage rows and top-ups from the ledger; exit 1 on mismatch
 *   mail [--email <address>]         the newest emails of the outbox (kept there without SMTP_URL)
 *   ledger partitions                the ledger's monthly partitions and their rows (made ahead as needed)
 *   ledger archive --before YYYY-MM [--dir <folder>]
 *                                    detach every month before that one and write each to a gzipped
 *                                    NDJSON file (default folder: ./ledger-archive); keys stay taken
 * Uses DATABASE_URL when set, else the embedded database (stop `npm run dev` first: the
 * embedded database admits one process at a time).
 */
import { parseArgs } from "node:util";
import { and, eq, inArray, or } from "drizzle-orm";
import { migrateDb, type DbHandle } from "@/db/client";
import { appKeys, apps, creditAccounts, topUpLots, users, workspaces } from "@/db/schema";
import { seedCatalog } from "@/lib/credits/catalog";
import { openConfiguredDb } from "@/lib/db";
import { createAppKey, revokeAppKey } from "@/lib/apps/keys";
import { credits, formatCredits } from "@/lib/credits/amounts";
import { grantTopUp } from "@/lib/billing/top-ups/settings";
import { getMemberBalance } from "@/lib/credits/balance";
import { findLotMismatches, findRollupMismatches, findUsageMismatches } from "@/lib/credits/check";
import { listMemberships } from "@/lib/workspaces/memberships";
import { decisionsInFlight, refundsOwed } from "@/lib/billing/decisions/queries";
import { configuredProvider } from "@/lib/billing/payments/configured";
import { runDecision } from "@/lib/billing/drive/run-decision";
import { voidDecision } from "@/lib/billing/decisions/state-machine";
import { listOutbox } from "@/lib/mail";
import { archiveHorizon, archiveLedgerBefore, ensureLedgerPartitions, ledgerPartitions, rowsBefore } from "@/lib/credits/ledger-partitions";

const USAGE = `usage: npm run credits -- <command>
  keys create --app <name or id>
  keys revoke --key <prefix (ck_…) or id>
  balance --email <address>
  topups list --email <address>
  topups grant --email <address> --kind message|integration --credits <n> --reason <text> [--workspace <id>]
  decisions [retry --id <id> | void --id <id> --reason <text>]
  check
  mail [--email <address>]
  ledger partitions
  ledger archive --before YYYY-MM [--dir <folder>]`;

async function open(): Promise<DbHandle> {
  const { handle } = await openConfiguredDb();
  if (handle.driver === "pglite") {
    await migrateDb(handle);
    await seedCatalog(handle.db);
  }
  return handle;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: "string" },
      key: { type: "string" },
      email: { type: "string" },
      kind: { type: "string" },
      credits: { type: "string" },
      reason: { type: "string" },
      workspace: { type: "string" },
      id: { type: "string" },
      before: { type: "string" },
      dir: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const handle = await open();
  const { db } = handle;
  const now = new Date();
  try {
    if (command === "keys" && sub === "create") {
      if (!values.app) throw new Error("keys create needs --app <name or id>");
      const matches = await db
        .select()
        .from(apps)
        .where(UUID.test(values.app) ? or(eq(apps.id, values.app), eq(apps.name, values.app)) : eq(apps.name, values.app));
      if (matches.length === 0) throw new Error(`No app named or with id "${values.app}".`);
      if (matches.length > 1) throw new Error(`Several apps are named "${values.app}"; pass the id instead: ${matches.map((a) => a.id).join(", ")}`);
      const created = await createAppKey(db, matches[0]!.id, null, now);
      console.log(`New key for "${created.app.name}" (${created.app.id}). It is shown only this once:\n\n${created.key}\n`);
      return 0;
    }
    if (command === "keys" && sub === "revoke") {
      if (!values.key) throw new Error("keys revoke needs --key <prefix or id> (the prefix is what Settings → API keys shows, e.g. ck_AbC123x)");
      const wanted = values.key.replace(/…$/, "");
      const matches = await db
        .select({ id: appKeys.id, prefix: appKeys.prefix, appName: apps.name })
        .from(appKeys)
        .innerJoin(apps, eq(apps.id, appKeys.appId))
        .where(UUID.test(wanted) ? eq(appKeys.id, wanted) : eq(appKeys.prefix, wanted));
      if (matches.length === 0) throw new Error(`No app key with the id or prefix "${wanted}".`);
      if (matches.length > 1) throw new Error(`Several keys start with "${wanted}"; pass the id instead: ${matches.map((k) => k.id).join(", ")}`);
      const revoked = await revokeAppKey(db, { keyId: matches[0]!.id, byUserId: null }, now);
      console.log(revoked.alreadyRevoked ? `Key ${revoked.prefix}… of "${matches[0]!.appName}" was already revoked.` : `Revoked key ${revoked.prefix}… of "${matches[0]!.appName}": requests with it now answer 401.`);
      return 0;
    }
    if (command === "topups" && (sub === "list" || sub === "grant")) {
      if (!values.email) throw new Error(`topups ${sub} needs --email <address>`);
      const [user] = await db.select().from(users).where(eq(users.email, values.email.trim().toLowerCase()));
      if (!user) throw new Error(`No account with the email ${values.email}.`);
      const seats = await db
        .select({ id: creditAccounts.id, workspaceId: creditAccounts.workspaceId, planId: creditAccounts.planId, workspaceName: workspaces.name })
        .from(creditAccounts)
        .innerJoin(workspaces, eq(workspaces.id, creditAccounts.workspaceId))
        .where(and(eq(creditAccounts.holderUserId, user.id), eq(creditAccounts.type, "seat"), eq(creditAccounts.status, "active")));
      if (sub === "grant") {
        const kind = values.kind;
        if (kind !== "message" && kind !== "integration") throw new Error("topups grant needs --kind message or --kind integration");
        const amount = Number(values.credits);
        if (!Number.isInteger(amount) || amount < 1) throw new Error("topups grant needs --credits <whole number of credits>");
        if (!values.reason?.trim()) throw new Error("topups grant needs --reason <why>: it goes into the workspace's audit log");
        const seat = values.workspace ? seats.find((s) => s.workspaceId === values.workspace) : seats.length === 1 ? seats[0] : undefined;
        if (!seat) throw new Error(seats.length === 0 ? `${user.email} holds no paid seat: top-ups need one.` : `${user.email} holds seats in several workspaces; pass --workspace <id>: ${seats.map((s) => `${s.workspaceId} (${s.workspaceName})`).join(", ")}`);
        const lot = await grantTopUp(db, { seatId: seat.id, kind, credits: credits(amount), reason: values.reason.trim() }, now);
        console.log(`Granted ${formatCredits(lot.credits)} ${kind} credits to ${user.email}'s ${seat.planId} seat in "${seat.workspaceName}", until ${lot.expiresAt.toISOString()}.`);
        return 0;
      }
      const lots = await db.select().from(topUpLots).where(inArray(topUpLots.accountId, seats.length ? seats.map((s) => s.id) : ["00000000-0000-0000-0000-000000000000"]));
      if (lots.length === 0) console.log(`${user.email} has no top-ups on their seats.`);
      for (const l of lots) {
        const seat = seats.find((s) => s.id === l.accountId)!;
        const state = l.expiresAt <= now ? "expired" : l.pausedAt ? "paused" : "active";
        console.log(`${seat.workspaceName}  ${l.kind.padEnd(11)} ${formatCredits(l.credits - l.used).padStart(8)} left of ${formatCredits(l.credits).padStart(8)}  expires ${l.expiresAt.toISOString()}  ${state}  (${l.source})`);
      }
      return 0;
    }
    if (command === "balance") {
      if (!values.email) throw new Error("balance needs --email <address>");
      const [user] = await db.select().from(users).where(eq(users.email, values.email.trim().toLowerCase()));
      if (!user) throw new Error(`No account with the email ${values.email}.`);
      for (const ws of await listMemberships(db, user.id)) {
        const b = await getMemberBalance(db, { workspaceId: ws.workspaceId, userId: user.id }, now);
        const line = (label: string, k: typeof b.message) =>
          `  ${label.padEnd(12)} ${formatCredits(k.used).padStart(10)} used of ${formatCredits(k.allowance).padStart(10)}  (${formatCredits(k.remaining)} left)`;
        console.log(`${ws.name} — ${b.account.type === "seat" ? `${b.account.planId} seat` : "free allowance"}, cycle ${b.message.cycleStart.toISOString()} → ${b.message.cycleEnd.toISOString()}`);
        console.log(line("message", b.message));
        console.log(line("integration", b.integration));
      }
      return 0;
    }
    if (command === "decisions") {
      const provider = configuredProvider();
      if (sub === "retry" || sub === "void") {
        if (!values.id || !UUID.test(values.id)) throw new Error(`decisions ${sub} needs --id <decision id> (see: npm run credits -- decisions)`);
        if (sub === "void" && !values.reason?.trim()) throw new Error("decisions void needs --reason <why>: the owner reads it");
        const d = sub === "retry" ? await runDecision(db, values.id, provider) : await voidDecision(db, values.id, values.reason!.trim(), provider, now);
        console.log(`Decision ${d.id} (${d.kind}) is now ${d.status}${d.failureReason ? `: ${d.failureReason}` : ""}${d.refundRef && d.refundRef !== "none" ? `; refunded (${d.refundRef})` : ""}.`);
        return d.status === "applied" || d.status === "failed" || d.status === "voided" ? 0 : 1;
      }
      if (sub) throw new Error(USAGE);
      const open = [...(await decisionsInFlight(db)), ...(await refundsOwed(db))];
      if (open.length === 0) console.log("No decision is on its way: every one is applied, failed or voided.");
      for (const d of open) {
        const since = d.updatedAt ?? d.createdAt;
        console.log(`${d.id}  ${d.kind.padEnd(8)} ${d.status.padEnd(8)} ${(d.amountCents ?? 0) / 100} USD  tries ${d.attempts}  since ${since.toISOString()}  workspace ${d.workspaceId}${d.status === "voided" ? "  (refund owed)" : ""}`);
      }
      return 0;
    }
    if (command === "mail") {
      const mails = await listOutbox(db, { to: values.email, limit: 20 });
      if (mails.length === 0) console.log(values.email ? `No email to ${values.email} in the outbox.` : "The outbox is empty.");
      for (const m of mails.reverse()) {
        const state = m.sentAt ? (m.via === "smtp" ? `sent over SMTP ${m.sentAt.toISOString()}` : "kept here (no SMTP_URL)") : `to go${m.lastError ? ` (last try failed: ${m.lastError})` : ""}`;
        console.log(`--- ${m.createdAt.toISOString()}  to ${m.to}  [${state}]\nSubject: ${m.subject}\n\n${m.text}\n`);
      }
      return 0;
    }
    if (command === "ledger" && sub === "partitions") {
      await ensureLedgerPartitions(db, now);
      const horizon = await archiveHorizon(db);
      if (horizon) {
        console.log(`Archived: everything before ${horizon.toISOString()}.`);
        const late = await rowsBefore(db, horizon);
        if (late > 0) console.log(`Warning: ${late} row(s) dated before ${horizon.toISOString()} reached the ledger after their month was archived; they stay in credit_ledger_default and are not rechecked.`);
      }
      for (const p of await ledgerPartitions(db)) console.log(`${p.name.padEnd(24)} ${(p.month ? p.month.toISOString().slice(0, 7) : "other dates").padEnd(12)} ${p.rows} rows`);
      return 0;
    }
    if (command === "ledger" && sub === "archive") {
      const m = /^(\d{4})-(\d{2})$/.exec(values.before ?? "");
      if (!m) throw new Error("ledger archive needs --before YYYY-MM (the first month to keep)");
      const archived = await archiveLedgerBefore(db, new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)), values.dir ?? "ledger-archive", now);
      if (archived.length === 0) console.log(`Nothing to archive before ${values.before}.`);
      for (const a of archived) console.log(`${a.month}: ${a.rows} rows (${formatCredits(a.charged)} credits charged) → ${a.file} (sha256 ${a.sha256} of the uncompressed lines)`);
      return 0;
    }
    if (command === "check") {
      const horizon = await archiveHorizon(db);
      if (horizon) console.log(`The ledger before ${horizon.toISOString()} is archived: cycles, hours and top-ups that began before it are not rechecked.`);
      const mismatches = [...(await findUsageMismatches(db)), ...(await findLotMismatches(db)), ...(await findRollupMismatches(db))];
      if (mismatches.length === 0) {
        console.log("OK: every usage row equals the ledger's totals.");
        return 0;
      }
      console.log(`${mismatches.length} mismatch(es) between usage rows and the ledger:`);
      for (const m of mismatches) console.log(`  account ${m.accountId} cycle ${m.cycleStart} ${m.field}: stored ${m.stored}, ledger says ${m.fromLedger}`);
      return 1;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await handle.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
