import { formatCredits } from "@/lib/credits/amounts";
import type { KindBalance } from "@/lib/credits/accounts";

type Kinds = Record<"message" | "integration", Pick<KindBalance, "used" | "allowance" | "available" | "topUp">>;

const note = "block text-xs text-zinc-600 dark:text-zinc-400";

/** What an owner's table says someone used of this cycle's allowances, one line per kind. */
export function UsedThisCycle({ balance }: { balance: Kinds }) {
  return (
    <>
      {(["message", "integration"] as const).map((k) => (
        <span key={k} className="block whitespace-nowrap">
          {formatCredits(balance[k].used)} / {formatCredits(balance[k].allowance)} {k}
        </span>
      ))}
    </>
  );
}

/** One kind's spendable amount now, top-ups included, and how much of it is top-ups. */
export function AvailableAmount({ kind }: { kind: Kinds["message"] }) {
  return (
    <>
      {formatCredits(kind.available)}
      {kind.topUp > 0 ? <span className={note}>incl. {formatCredits(kind.topUp)} top-up</span> : null}
    </>
  );
}

/** What someone can spend now of each kind, top-ups included (an allowance used up is not "nothing left"). */
export function AvailableNow({ balance, testId }: { balance: Kinds; testId: string }) {
  return (
    <>
      {(["message", "integration"] as const).map((k) => (
        <span key={k} className="block whitespace-nowrap" data-testid={`${testId}-${k}`}>
          {formatCredits(balance[k].available)} {k}
          {balance[k].topUp > 0 ? <span className={note}>incl. {formatCredits(balance[k].topUp)} top-up</span> : null}
        </span>
      ))}
    </>
  );
}
