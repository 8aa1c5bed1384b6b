import { DataTable } from "@/components/ui/data-table";
import { LocalTime } from "@/components/local-time";
import { buttonClass } from "@/components/ui/button";
import { selectClass } from "@/components/ui/field";
import type { ActivityFilters } from "@/lib/views/activity";
import type { WorkspaceView } from "@/lib/views/workspace";
import { formatCredits } from "@/lib/credits/amounts";
import { COSTS, isActionName } from "@/lib/credits/costs";
import { filterQuery } from "./filters";
import { EmptyState } from "@/components/ui/surface";

export function ActivitySection(props: {
  activity: WorkspaceView["activity"];
  filters: ActivityFilters;
  page: number;
  members: { userId: string; name: string }[] | null;
}) {
  const { rows: shown, more } = props.activity;
  const f = props.filters;

  return (
    <section aria-labelledby="activity-title" className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id="activity-title" className="text-lg font-semibold">
          Activity
        </h3>
        <a href={`/settings/workspace/activity.csv?${filterQuery(f)}`} className={buttonClass("secondary")} download>
          Export CSV
        </a>
      </div>
      <form method="get" className="flex flex-wrap items-end gap-3 text-sm" aria-label="Filter activity">
        <label className="space-y-1">
          <span className="block font-medium">Kind</span>
          <select name="kind" defaultValue={f.kind ?? ""} className={selectClass}>
            <option value="">All kinds</option>
            <option value="message">Message</option>
            <option value="integration">Integration</option>
            <option value="none">Free actions</option>
          </select>
        </label>
        <label className="space-y-1">
          <span className="block font-medium">Outcome</span>
          <select name="outcome" defaultValue={f.outcome ?? ""} className={selectClass}>
            <option value="">All outcomes</option>
            <option value="charged">Charged</option>
            <option value="free">Free</option>
            <option value="refused">Refused (any reason)</option>
            <option value="refused_credits">Refused: out of credits</option>
            <option value="refused_cap">Refused: the app&apos;s cap</option>
          </select>
        </label>
        {props.members ? (
          <label className="space-y-1">
            <span className="block font-medium">Member</span>
            <select name="member" defaultValue={f.memberId ?? ""} className={selectClass}>
              <option value="">Everyone</option>
              {props.members.map((m) => (
                <option key={m.userId} value={m.userId}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <button type="submit" className={buttonClass("secondary", "py-1.5")}>
          Apply
        </button>
      </form>
      {shown.length === 0 ? (
        <EmptyState className="p-6">No activity matches these filters.</EmptyState>
      ) : (
        <DataTable minWidth="44rem" columns={[{ label: "When" }, { label: "Action" }, { label: "App" }, { label: "By" }, { label: "Paid by" }, { label: "Credits", align: "right" }]}>
              {shown.map((r) => (
                <tr key={r.id}>
                  <td className="px-4 py-1.5 whitespace-nowrap"><LocalTime iso={r.createdAt.toISOString()} /></td>
                  <td className="px-4 py-1.5">
                    {isActionName(r.action) ? COSTS[r.action].label : r.action}
                    {r.quantity > 1 ? ` ×${r.quantity}` : ""}
                  </td>
                  <td className="px-4 py-1.5">{r.appName ?? "—"}</td>
                  <td className="px-4 py-1.5">{r.actorName ?? (r.source === "api" ? "App user" : "—")}</td>
                  <td className="px-4 py-1.5">{r.payerName ?? "—"}</td>
                  <td className="px-4 py-1.5 text-right tabular-nums">
                    {r.outcome === "refused" ? (
                      <span className="text-amber-700 dark:text-amber-300">
                        refused ({formatCredits(r.amount)})
                        <span className="block text-xs">{r.refusal === "app_cap_reached" ? "the app's cap" : "out of credits"}</span>
                      </span>
                    ) : r.outcome === "free" ? (
                      "free"
                    ) : (
                      `${formatCredits(r.amount)} ${r.kind}`
                    )}
                  </td>
                </tr>
              ))}
        </DataTable>
      )}
      <nav aria-label="Activity pages" className="flex justify-between text-sm">
        {props.page > 1 ? <a href={`?${filterQuery(f, { page: String(props.page - 1) })}`} className="underline">← Newer</a> : <span />}
        {more ? <a href={`?${filterQuery(f, { page: String(props.page + 1) })}`} className="underline">Older →</a> : null}
      </nav>
    </section>
  );
}
