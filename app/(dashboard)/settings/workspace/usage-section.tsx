import { LazyUsageChart } from "@/components/usage-chart-lazy";
import { formatCredits } from "@/lib/credits/amounts";
import { COSTS, isActionName } from "@/lib/credits/costs";
import type { WorkspaceView } from "@/lib/views/workspace";
import type { Role } from "@/lib/workspaces/roles";
import { cardClass } from "@/components/ui/surface";

export function UsageSection(props: { usage: WorkspaceView["usage"]; role: Role; timeZone: string; scope: "mine" | "workspace"; pool?: boolean }) {
  const { mineOnly, days, actions, appUsage } = props.usage;
  const pool = !!props.pool;
  const totalM = days.reduce((s, d) => s + d.message, 0);
  const totalI = days.reduce((s, d) => s + d.integration, 0);
  const title = mineOnly ? "Your usage, last 30 days" : "Workspace usage, last 30 days";

  return (
    <section aria-labelledby="usage-title" className={cardClass("space-y-4 p-5")}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id="usage-title" className="text-lg font-semibold">
          {title}
        </h3>
        {props.role !== "member" ? (
          <nav aria-label="Usage scope" className="flex gap-1 text-sm">
            {(["mine", "workspace"] as const).map((s) => (
              <a
                key={s}
                href={`?scope=${s}`}
                aria-current={props.scope === s ? "page" : undefined}
                className="rounded-md px-2 py-1 aria-[current=page]:bg-zinc-200 aria-[current=page]:font-medium dark:aria-[current=page]:bg-zinc-800"
              >
                {s === "mine" ? "Mine" : "Whole workspace"}
              </a>
            ))}
          </nav>
        ) : null}
      </div>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {formatCredits(totalM)} message and {formatCredits(totalI)} integration credits charged. Days in {props.timeZone}.
      </p>
      <LazyUsageChart data={days} label={`${title}: credits charged per day`} />
      <div className="grid gap-6 md:grid-cols-2">
        <div className="space-y-2">
          <h4 className="font-medium">By action</h4>
          {actions.length === 0 ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">Nothing used in the last 30 days.</p>
          ) : (
            <table className="w-full text-left text-sm">
              <thead className="text-zinc-600 dark:text-zinc-400">
                <tr>
                  <th scope="col" className="py-1 font-medium">Action</th>
                  <th scope="col" className="py-1 pl-4 text-right font-medium whitespace-nowrap">Times</th>
                  <th scope="col" className="py-1 pl-4 text-right font-medium whitespace-nowrap">Credits</th>
                </tr>
              </thead>
              <tbody>
                {actions.map((a) => (
                  <tr key={a.action} className="border-t border-zinc-200 dark:border-zinc-800">
                    <th scope="row" className="py-1 font-normal">{isActionName(a.action) ? COSTS[a.action].label : a.action}</th>
                    <td className="py-1 pl-4 text-right tabular-nums whitespace-nowrap">{a.events.toLocaleString("en-US")}</td>
                    <td className="py-1 pl-4 text-right tabular-nums whitespace-nowrap">{a.kind === "none" ? "free" : `${formatCredits(a.total)} ${a.kind}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        {appUsage ? (
          <div className="space-y-2">
            <h4 className="font-medium">Integration credits by app, this cycle</h4>
            <table className="w-full text-left text-sm">
              <thead className="text-zinc-600 dark:text-zinc-400">
                <tr>
                  <th scope="col" className="py-1 font-medium">App</th>
                  <th scope="col" className="py-1 pl-4 font-medium">Paid by</th>
                  <th scope="col" className="py-1 pl-4 text-right font-medium whitespace-nowrap">Used</th>
                </tr>
              </thead>
              <tbody>
                {appUsage.map((a) => (
                  <tr key={a.id} className="border-t border-zinc-200 dark:border-zinc-800">
                    <th scope="row" className="py-1 font-normal">{a.name}</th>
                    <td className="py-1 pl-4">{pool ? "Shared pool" : a.ownerName}</td>
                    <td className="py-1 pl-4 text-right tabular-nums whitespace-nowrap">{formatCredits(a.integrationUsed)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="text-xs text-zinc-600 dark:text-zinc-400">
              {pool
                ? "Counted in the shared pool's current cycle."
                : "Counted in each payer's current cycle on their current seat. Members' meters above can show more: they include credits carried with a seat from its earlier holder."}
            </p>
          </div>
        ) : null}
      </div>
    </section>
  );
}
