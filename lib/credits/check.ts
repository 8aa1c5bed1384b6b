import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { rowsOf } from "./ledger";

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
        coalesce(sum(amount) filter (where kind = 'message' and outcome = 'charged'), 0) as message_used,
        coalesce(sum(amount) filter (where kind = 'integration' and outcome = 'charged'), 0) as integration_used,
        coalesce(sum(case when kind = 'message' and outcome = 'reserved' then amount
                          when kind = 'message' and (outcome = 'released' or (outcome = 'charged' and reservation_id is not null)) then -amount end), 0) as message_reserved,
        coalesce(sum(case when kind = 'integration' and outcome = 'reserved' then amount
                          when kind = 'integration' and (outcome = 'released' or (outcome = 'charged' and reservation_id is not null)) then -amount end), 0) as integration_reserved
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
    ) m order by 1, 2, 3`);
  return rowsOf(result).map((r) => ({
    accountId: String(r.account_id),
    cycleStart: new Date(r.cycle_start as string | Date).toISOString(),
    field: String(r.field),
    stored: Number(r.stored),
    fromLedger: Number(r.from_ledger),
  }));
}
