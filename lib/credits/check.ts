import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { rowsOf } from "./ledger";

/**
 * Everything the ledger held before this instant was archived (`npm run credits -- ledger
 * archive`): running totals of cycles, hours and lots that began before it are not rechecked
 * (their events are in the archive's files, not the ledger).
 */
const HORIZON = sql.raw(`(select coalesce(max(until), '-infinity'::timestamptz) from ledger_archives)`);

export interface UsageMismatch {
  accountId: string;
  cycleStart: string;
  field: string;
  stored: number;
  fromLedger: number;
}

/**
 * Recomputes every usage row from the ledger and lists where they disagree. Used by
 * `npm run credits -- check` and the reliability tests: the ledger is the truth, usage
 * rows are its running totals.
 */
export async function findUsageMismatches(db: Db): Promise<UsageMismatch[]> {
  const result = await db.execute(sql`
    with sums as (
      select payer_account_id as account_id, cycle_start,
        coalesce(sum(coalesce(from_allowance, amount)) filter (where kind = 'message' and outcome = 'charged'), 0) as message_used,
        coalesce(sum(coalesce(from_allowance, amount)) filter (where kind = 'integration' and outcome = 'charged'), 0) as integration_used,
        coalesce(sum(case when kind = 'message' and outcome = 'reserved' then coalesce(from_allowance, amount)
                          when kind = 'message' and (outcome = 'released' or (outcome = 'charged' and reservation_id is not null)) then -coalesce(from_allowance, amount) end), 0) as message_reserved,
        coalesce(sum(case when kind = 'integration' and outcome = 'reserved' then coalesce(from_allowance, amount)
                          when kind = 'integration' and (outcome = 'released' or (outcome = 'charged' and reservation_id is not null)) then -coalesce(from_allowance, amount) end), 0) as integration_reserved
      from credit_ledger
      where payer_account_id is not null and cycle_start is not null
      group by 1, 2
    ),
    joined as (
      select coalesce(u.account_id, s.account_id) as account_id,
             coalesce(u.cycle_start, s.cycle_start) as cycle_start,
             coalesce(u.message_used, 0) as su_m, coalesce(s.message_used, 0) as sl_m,
             coalesce(u.integration_used, 0) as su_i, coalesce(s.integration_used, 0) as sl_i,
             coalesce(u.message_reserved, 0) as su_mr, coalesce(s.message_reserved, 0) as sl_mr,
             coalesce(u.integration_reserved, 0) as su_ir, coalesce(s.integration_reserved, 0) as sl_ir
      from account_usage u full join sums s on s.account_id = u.account_id and s.cycle_start = u.cycle_start
    )
    select account_id::text, cycle_start, field, stored::bigint, from_ledger::bigint from (
      select account_id, cycle_start, 'message_used' as field, su_m as stored, sl_m as from_ledger from joined where su_m <> sl_m
      union all select account_id, cycle_start, 'integration_used', su_i, sl_i from joined where su_i <> sl_i
      union all select account_id, cycle_start, 'message_reserved', su_mr, sl_mr from joined where su_mr <> sl_mr
      union all select account_id, cycle_start, 'integration_reserved', su_ir, sl_ir from joined where su_ir <> sl_ir
    ) m where cycle_start >= ${HORIZON} order by 1, 2, 3`);
  const asMismatch = (r: Record<string, unknown>) => ({
    accountId: String(r.account_id),
    cycleStart: new Date(r.cycle_start as string | Date).toISOString(),
    field: String(r.field),
    stored: Number(r.stored),
    fromLedger: Number(r.from_ledger),
  });
  return [...rowsOf(result).map(asMismatch), ...rowsOf(await memberUsageMismatches(db)).map(asMismatch)];
}

/**
 * Shared pools: each member's row (their message credits in a cycle of the pool, what their
 * limit is checked against) recomputed from the ledger's message events paid by a pool, whole
 * amounts (allowance and top-up parts alike). Named `member:<workspace>:<user>` in the result.
 */
function memberUsageMismatches(db: Db) {
  return db.execute(sql`
    with sums as (
      select l.workspace_id, l.actor_user_id as user_id, l.cycle_start,
        coalesce(sum(l.amount) filter (where l.outcome = 'charged'), 0) as used,
        coalesce(sum(case when l.outcome = 'reserved' then l.amount
                          when l.outcome = 'released' or (l.outcome = 'charged' and l.reservation_id is not null) then -l.amount end), 0) as reserved
      from credit_ledger l join credit_accounts a on a.id = l.payer_account_id
      where a.type = 'pool' and l.kind = 'message' and l.actor_user_id is not null and l.cycle_start is not null
      group by 1, 2, 3
    ),
    joined as (
      select coalesce(u.workspace_id, s.workspace_id) as workspace_id, coalesce(u.user_id, s.user_id) as user_id,
             coalesce(u.cycle_start, s.cycle_start) as cycle_start,
             coalesce(u.message_used, 0) as su, coalesce(s.used, 0) as sl,
             coalesce(u.message_reserved, 0) as sur, coalesce(s.reserved, 0) as slr
      from member_usage u full join sums s on s.workspace_id = u.workspace_id and s.user_id = u.user_id and s.cycle_start = u.cycle_start
    )
    select 'member:' || workspace_id || ':' || user_id as account_id, cycle_start, field, stored::bigint, from_ledger::bigint from (
      select workspace_id, user_id, cycle_start, 'member_message_used' as field, su as stored, sl as from_ledger from joined where su <> sl
      union all select workspace_id, user_id, cycle_start, 'member_message_reserved', sur, slr from joined where sur <> slr
    ) m where cycle_start >= ${HORIZON} order by 1, 2, 3`);
}

/**
 * Recomputes every top-up lot's `used` from the parts the ledger recorded (charges and holds
 * take, releases give back; a confirmed hold took its part already) and lists the lots that
 * disagree, in the same shape as usage mismatches (`accountId` is the lot's id).
 */
export async function findLotMismatches(db: Db): Promise<UsageMismatch[]> {
  const result = await db.execute(sql`
    with parts as (
      select (p->>'lotId')::uuid as lot_id,
             sum(case when l.outcome = 'released' then -(p->>'amount')::bigint
                      when l.outcome = 'charged' and l.reservation_id is not null then 0
                      when l.outcome in ('charged', 'reserved') then (p->>'amount')::bigint else 0 end) as used
      from credit_ledger l, jsonb_array_elements(l.lot_parts) p
      where l.lot_parts is not null
      group by 1
    )
    select t.id::text as lot_id, t.purchased_at, t.used::bigint as stored, coalesce(parts.used, 0)::bigint as from_ledger
    from top_up_lots t left join parts on parts.lot_id = t.id
    where t.used <> coalesce(parts.used, 0) and t.purchased_at >= ${HORIZON}
    order by 1`);
  return rowsOf(result).map((r) => ({
    accountId: String(r.lot_id),
    cycleStart: new Date(r.purchased_at as string | Date).toISOString(),
    field: "top_up_used",
    stored: Number(r.stored),
    fromLedger: Number(r.from_ledger),
  }));
}

/**
 * One running total compared with the ledger it sums: `sums` groups the ledger by `keys` (the
 * first two name the row in a mismatch; `nullableKeys` may be null) into the same `measures` the
 * table stores.
 */
async function totalMismatches(
  db: Db,
  t: { field: string; table: string; keys: string[]; nullableKeys?: string[]; measures: string[]; sums: SQL },
): Promise<UsageMismatch[]> {
  const [id, at] = t.keys as [string, string];
  // A FULL JOIN needs plain equality; keys that may be null are matched after it.
  const join = [...t.keys.map((k) => `s.${k} = r.${k}`), ...(t.nullableKeys ?? []).map((k) => `s.${k} is not distinct from r.${k}`)].join(" and ");
  const differs = t.measures.map((m) => `coalesce(r.${m}, -1) <> coalesce(s.${m}, -1)`).join(" or ");
  const result = await db.execute(sql`
    with sums as (${t.sums})
    select coalesce(r.${sql.raw(id)}, s.${sql.raw(id)})::text as id, coalesce(r.${sql.raw(at)}, s.${sql.raw(at)}) as at,
           coalesce(r.charged, 0)::bigint as stored, coalesce(s.charged, 0)::bigint as from_ledger
    from ${sql.raw(t.table)} r full join sums s on ${sql.raw(join)}
    where (${sql.raw(differs)}) and coalesce(r.${sql.raw(at)}, s.${sql.raw(at)}) >= ${HORIZON}`);
  return rowsOf(result).map((r) => ({
    accountId: String(r.id),
    cycleStart: new Date(r.at as string | Date).toISOString(),
    field: t.field,
    stored: Number(r.stored),
    fromLedger: Number(r.from_ledger),
  }));
}

/** The ledger's usage, hour by hour, grouped by `by` (events and credits charged). */
const hourlySums = (by: string) => sql.raw(`
  select workspace_id, date_trunc('hour', created_at, 'UTC') as hour, ${by},
         count(*)::bigint as events, coalesce(sum(amount) filter (where outcome = 'charged'), 0)::bigint as charged
  from credit_ledger where outcome in ('charged', 'free')
  group by workspace_id, 2, ${by}`);

/**
 * Rollup rows that disagree with the ledger they sum (same shape; `accountId` is the workspace
 * for the hourly rollups, the app for per-app usage).
 */
export async function findRollupMismatches(db: Db): Promise<UsageMismatch[]> {
  return [
    ...(await totalMismatches(db, {
      field: "usage_rollup_workspace",
      table: "usage_rollup_workspace",
      keys: ["workspace_id", "hour", "action", "kind"],
      measures: ["charged", "events"],
      sums: hourlySums("action, kind"),
    })),
    ...(await totalMismatches(db, {
      field: "usage_rollup",
      table: "usage_rollup",
      keys: ["workspace_id", "hour", "action", "kind"],
      nullableKeys: ["actor_user_id", "payer_user_id"],
      measures: ["charged", "events"],
      sums: hourlySums("action, kind, actor_user_id, payer_user_id"),
    })),
    ...(await totalMismatches(db, {
      field: "app_usage",
      // A row may stand at 0 (a capped app's first call was refused): only what it counts is compared.
      table: "(select app_id, payer_account_id, cycle_start, charged from app_usage where charged <> 0)",
      keys: ["app_id", "cycle_start", "payer_account_id"],
      measures: ["charged"],
      sums: sql`
        select app_id, payer_account_id, cycle_start, sum(amount)::bigint as charged
        from credit_ledger
        where outcome = 'charged' and kind = 'integration' and app_id is not null and payer_account_id is not null and cycle_start is not null
        group by 1, 2, 3`,
    })),
    // What an app's pending reservations hold counts against its cap until they settle.
    ...(await totalMismatches(db, {
      field: "app_usage.reserved",
      table: "(select app_id, payer_account_id, cycle_start, reserved as charged from app_usage where reserved <> 0)",
      keys: ["app_id", "cycle_start", "payer_account_id"],
      measures: ["charged"],
      sums: sql`
        select l.app_id, l.payer_account_id, l.cycle_start, sum(l.amount)::bigint as charged
        from credit_ledger l join reservations v on v.id = l.reservation_id
        where l.outcome = 'reserved' and v.status = 'pending' and l.kind = 'integration' and l.app_id is not null and l.payer_account_id is not null
        group by 1, 2, 3`,
    })),
  ];
}
