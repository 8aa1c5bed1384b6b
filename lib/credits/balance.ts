import type { Db } from "@/db/client";
import { settleModelSwitchIfDue } from "./model-switch";
import { cycleOf, getAccount, getActingAccount, hasTopUps, getAppPayer, getMembersActingAccounts, type Account, type AccountBalance } from "./accounts";
import { settleDueChanges } from "./scheduled-changes";
import { releaseExpiredReservations } from "./reservations";
import { lotsLeft, lotsLeftMany } from "./lots";
import { freshUsageRow, getUsageRow, getUsageRows, kindBalance } from "./usage";

/**
 * Both balances of an account in the cycle containing `now`. O(1) in the ledger's size: one
 * usage row is read (and none is written for an untouched cycle). Lazy upkeep happens here:
 * a due plan change is applied and expired reservations are released before answering.
 */
export async function getAccountBalance(db: Db, account: Account, now: Date): Promise<AccountBalance> {
  if (account.pendingChangeAt && account.pendingChangeAt <= now) {
    await settleDueChanges(db, account.id, now);
    account = await getAccount(db, account.id);
  }
  const cycle = cycleOf(account, now);
  let row = await getUsageRow(db, account.id, cycle.start);
  if (row && row.messageReserved + row.integrationReserved > 0) {
    if ((await releaseExpiredReservations(db, account.id, now)) > 0) row = await getUsageRow(db, account.id, cycle.start);
  }
  const usage = row ?? freshUsageRow(account, cycle);
  const lots = hasTopUps(account) ? await lotsLeft(db, account.id, now) : null;
  return { account, message: kindBalance(usage, "message", lots?.message), integration: kindBalance(usage, "integration", lots?.integration) };
}

/** A member's balances in a workspace: the account they act with there. */
export async function getMemberBalance(db: Db, member: { workspaceId: string; userId: string }, now: Date): Promise<AccountBalance> {
  await settleModelSwitchIfDue(db, member.workspaceId, now);
  let account = await getActingAccount(db, member);
  if (account.pendingChangeAt && account.pendingChangeAt <= now) {
    await settleDueChanges(db, account.id, now);
    account = await getActingAccount(db, member);
  }
  return getAccountBalance(db, account, now);
}

/** The balances of the account that pays for an app's integrations. */
export async function getAppOwnerBalance(db: Db, appId: string, now: Date): Promise<AccountBalance> {
  const { app } = await getAppPayer(db, appId);
  return getMemberBalance(db, { workspaceId: app.workspaceId, userId: app.ownerUserId }, now);
}

/**
 * Every member's balances in a workspace in two queries (their accounts, then those
 * accounts' usage rows for the current cycle), not two per member. Accounts that need
 * upkeep first (a due plan change, held credits) take the single-account path.
 */
export async function getMemberBalances(db: Db, workspaceId: string, now: Date): Promise<Map<string, AccountBalance>> {
  await settleModelSwitchIfDue(db, workspaceId, now);
  const accounts = await getMembersActingAccounts(db, workspaceId);
  const out = new Map<string, AccountBalance>();
  const simple = [...accounts].filter(([, a]) => !(a.pendingChangeAt && a.pendingChangeAt <= now));
  const [rows, lots] = await Promise.all([
    getUsageRows(db, simple.map(([, a]) => ({ accountId: a.id, cycleStart: cycleOf(a, now).start }))),
    lotsLeftMany(db, simple.filter(([, a]) => hasTopUps(a)).map(([, a]) => a.id), now),
  ]);
  for (const [userId, account] of accounts) {
    const cycle = cycleOf(account, now);
    const row = rows.get(`${account.id}|${cycle.start.toISOString()}`);
    const needsUpkeep = (account.pendingChangeAt && account.pendingChangeAt <= now) || (row && row.messageReserved + row.integrationReserved > 0);
    if (needsUpkeep) {
      out.set(userId, await getMemberBalance(db, { workspaceId, userId }, now));
      continue;
    }
    const usage = row ?? freshUsageRow(account, cycle);
    const left = lots.get(account.id);
    out.set(userId, { account, message: kindBalance(usage, "message", left?.message), integration: kindBalance(usage, "integration", left?.integration) });
  }
  return out;
}
