import { AvailableAmount } from "@/components/credits/balance-cells";
import { DataTable } from "@/components/ui/data-table";
import type { Metadata } from "next";
import { cookies } from "next/headers";
import { CreditMeter } from "@/components/credit-meter";
import { ForecastLine } from "@/components/credits/forecast-line";
import { LocalTime } from "@/components/local-time";
import { safeTimeZone } from "@/lib/format/time";
import { formatCredits } from "@/lib/credits/amounts";
import { getWorkspaceView, type MemberCredits } from "@/lib/views/workspace";
import { readDbForViewer, requireWorkspace } from "@/lib/auth/session";
import { AsOfNotice } from "@/components/replica-notice";
import { timeUntil } from "@/lib/format/time";
import { ActivitySection } from "./activity-section";
import { parseFilters } from "./filters";
import { UsageSection } from "./usage-section";
import { DefaultLimitForm, MemberLimitForm } from "./limit-forms";
import { cardClass } from "@/components/ui/surface";

export const metadata: Metadata = { title: "Workspace" };

export default async function WorkspaceSettingsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { db, user, current } = await requireWorkspace();
  const now = new Date();
  const { filters, page, scope } = parseFilters(await searchParams);
  const timeZone = safeTimeZone((await cookies()).get("tz")?.value);
  const reads = await readDbForViewer();
  const view = await getWorkspaceView(db, { workspaceId: current.workspaceId, userId: user.id }, now, { filters, page, scope, timeZone, readDb: reads.db });
  const { me, members } = view;
  const { message, integration } = me.balance;
  const daily = me.balance.account.type === "free";
  const pool = view.pool;
  const poolAllowance = me.balance.account.messageAllowance;

  return (
    <div className="space-y-8">
      <div className="space-y-1">
        <h2 className="text-xl font-semibold">Workspace</h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {current.name} · your role: <span className="capitalize">{current.role}</span>
        </p>
      </div>

      <section aria-labelledby="my-credits" className={cardClass("space-y-4 p-5")}>
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h3 id="my-credits" className="text-lg font-semibold">
            {pool ? "Shared pool" : "Your credits"}
          </h3>
          <span className="rounded-full bg-indigo-50 px-2.5 py-0.5 text-sm font-medium text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200">
            {me.planName} {pool ? "pool · resets monthly" : daily ? "· resets daily" : "· resets monthly"}
          </span>
        </div>
        <div className="grid gap-6 sm:grid-cols-2">
          {[
            { label: "Message credits", b: message, f: me.forecast.message, id: "message" },
            { label: "Integration credits", b: integration, f: me.forecast.integration, id: "integration" },
          ].map(({ label, b, f, id }) => (
            <CreditMeter
              key={label}
              label={label}
              used={b.used}
              allowance={b.allowance}
              remaining={b.remaining}
              topUp={{ remaining: b.topUp, expiresAt: b.topUpExpiresAt?.toISOString() ?? null, available: b.available }}
              forecast={{ runsOutAt: f.runsOutAt?.toISOString() ?? null, perDay: f.basis.perDay, cycleEnd: b.cycleEnd.toISOString(), testId: `forecast-${id}` }}
            />
          ))}
        </div>
        {view.carried && view.carried.message + view.carried.integration > 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="carried">
            Carried with the seat: {formatCredits(view.carried.message)} message and {formatCredits(view.carried.integration)} integration credits of this cycle&apos;s
            usage were spent before the seat came to you.
          </p>
        ) : null}
        {pool ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="pool-explained">
            Everyone in {current.name} draws from this one pool: members&apos; messages and every app&apos;s integrations.
          </p>
        ) : null}
        {pool?.mine && pool.mine.limit !== null ? (
          <p className="rounded-md bg-zinc-50 px-3 py-2 text-sm dark:bg-zinc-900" data-testid="my-limit">
            Your limit: <strong className="tabular-nums">{formatCredits(pool.mine.remaining ?? 0)}</strong> of {formatCredits(pool.mine.limit)} message credits left this cycle
            {pool.mine.source === "default" ? " (the workspace's default)" : " (set for you)"}. {pool.mine.remaining === 0 ? "Ask an owner or admin to raise it." : ""}
          </p>
        ) : null}
        {!me.onSeat ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="shared-free">
            Without a paid seat you have one free allowance for all your workspaces: these meters count what you used in any
            of them since the last reset; the usage below shows this workspace only.
          </p>
        ) : null}
        <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
          <dt className="text-zinc-600 dark:text-zinc-400">This cycle</dt>
          <dd>
            <LocalTime iso={message.cycleStart.toISOString()} /> – <LocalTime iso={message.cycleEnd.toISOString()} />
          </dd>
          <dt className="text-zinc-600 dark:text-zinc-400">Resets</dt>
          <dd>
            {timeUntil(message.cycleEnd.toISOString(), now)}. Unused credits do not carry over.
          </dd>
        </dl>
      </section>

      <AsOfNotice asOf={reads.asOf} what="Usage and activity below are" />
      <UsageSection usage={view.usage} role={current.role} timeZone={timeZone} scope={scope} pool={!!pool} />

      {members && pool?.allocations ? (
        <section aria-labelledby="member-limits" className="space-y-3">
          <h3 id="member-limits" className="text-lg font-semibold">
            Members&apos; message credits and limits
          </h3>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Limits count message credits a member spends from the pool each month; integrations are not limited per member. The owner is never limited, and no limit
            can pass the pool&apos;s {formatCredits(poolAllowance)}.
          </p>
          <DefaultLimitForm workspaceId={current.workspaceId} limit={pool.defaultLimit} poolAllowance={poolAllowance} />
          <DataTable minWidth="52rem" columns={[{ label: "Member" }, { label: "Used this cycle", align: "right" }, { label: "Limit", align: "right" }, { label: "Left", align: "right" }, { label: "Change", align: "right" }]}>
            {members.map((m) => {
              const a = pool.allocations![m.userId]!;
              return (
                <tr key={m.userId}>
                  <th scope="row" className="px-4 py-2 font-normal">
                    <span className="font-medium">{m.name}</span>
                    <span className="block text-xs text-zinc-600 dark:text-zinc-400">
                      {m.email} · {m.role}
                    </span>
                  </th>
                  <td className="px-4 py-2 text-right tabular-nums">{formatCredits(a.used + a.reserved)}</td>
                  <td className="whitespace-nowrap px-4 py-2 text-right tabular-nums" data-testid={`limit-${m.email}`}>
                    {a.limit === null ? (m.userId === pool.ownerId ? "Never limited" : "No limit") : formatCredits(a.limit)}
                    {a.source === "default" && a.limit !== null ? <span className="block text-xs text-zinc-600 dark:text-zinc-400">default</span> : null}
                  </td>
                  <td className="px-4 py-2 text-right tabular-nums" data-testid={`limit-left-${m.email}`}>{a.remaining === null ? "—" : formatCredits(a.remaining)}</td>
                  <td className="px-4 py-2 text-right">
                    {m.userId === pool.ownerId ? (
                      <span className="text-sm text-zinc-600 dark:text-zinc-400">Owner</span>
                    ) : (
                      <MemberLimitForm workspaceId={current.workspaceId} userId={m.userId} name={m.name} source={a.source} limit={a.source === "member" ? a.limit : null} poolAllowance={poolAllowance} />
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        </section>
      ) : members ? (
        <section aria-labelledby="member-credits" className="space-y-3">
          <h3 id="member-credits" className="text-lg font-semibold">
            Members&apos; credits this cycle
          </h3>
          <DataTable minWidth="40rem" columns={[{ label: "Member" }, { label: "Plan" }, { label: "Message used", align: "right" }, { label: "Message available", align: "right" }, { label: "Integration used", align: "right" }, { label: "Integration available", align: "right" }]}>
                {members.map((m) => (
                  <tr key={m.userId}>
                    <th scope="row" className="px-4 py-2 font-normal">
                      <span className="font-medium">{m.name}</span>
                      <span className="block text-xs text-zinc-600 dark:text-zinc-400">
                        {m.email} · {m.role}
                      </span>
                    </th>
                    <td className="px-4 py-2">{m.onSeat ? `${m.planName} seat` : "Free (daily)"}</td>
                    <td className="px-4 py-2 text-right tabular-nums">{formatCredits(m.balance.message.used)} / {formatCredits(m.balance.message.allowance)}</td>
                    <MemberLeftCell m={m} kind="message" />
                    <td className="px-4 py-2 text-right tabular-nums">{formatCredits(m.balance.integration.used)} / {formatCredits(m.balance.integration.allowance)}</td>
                    <MemberLeftCell m={m} kind="integration" />
                  </tr>
                ))}
          </DataTable>
        </section>
      ) : null}

      <ActivitySection
        activity={view.activity}
        filters={filters}
        page={page}
        members={members ? members.map((m) => ({ userId: m.userId, name: m.name })) : null}
      />
    </div>
  );
}

/** What a member can still spend of one kind (top-ups included), and when it runs out at their pace. */
function MemberLeftCell({ m, kind }: { m: MemberCredits; kind: "message" | "integration" }) {
  const b = m.balance[kind];
  const f = m.forecast[kind];
  return (
    <td className="px-4 py-2 text-right tabular-nums" data-testid={`left-${kind}-${m.email}`}>
      <AvailableAmount kind={b} />
      <ForecastLine
        forecast={{ runsOutAt: f.runsOutAt?.toISOString() ?? null, perDay: f.basis.perDay }}
        cycleEnd={b.cycleEnd.toISOString()}
        available={b.available}
        who={m.name.split(" ")[0]}
        testId={`forecast-${kind}-${m.email}`}
        className="ml-auto max-w-48 text-left text-xs font-normal text-zinc-600 dark:text-zinc-400"
      />
    </td>
  );
}
