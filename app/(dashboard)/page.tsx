import type { Metadata } from "next";
import Link from "next/link";
import { focusRing } from "@/components/ui/button";
import { formatCredits } from "@/lib/credits/amounts";
import { requireWorkspace } from "@/lib/auth/session";
import { getHomeView } from "@/lib/views/home";
import { LocalTime } from "@/components/local-time";
import { AppCapForm } from "./app-cap-form";
import { CreateAppForm } from "./create-app-form";
import { cardClass, EmptyState } from "@/components/ui/surface";

export const metadata: Metadata = { title: "Apps" };

export default async function HomePage() {
  const { db, user, current } = await requireWorkspace();
  const { apps: rows, me } = await getHomeView(db, { workspaceId: current.workspaceId, userId: user.id }, new Date());
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-2xl font-semibold">Apps in {current.name}</h1>
        <CreateAppForm workspaceId={current.workspaceId} />
      </div>
      <section aria-labelledby="mine-title" className={cardClass("flex flex-wrap items-center gap-x-8 gap-y-2 px-5 py-3 text-sm")}>
        <h2 id="mine-title" className="font-medium">
          Your credits here
        </h2>
        {(["message", "integration"] as const).map((kind) => (
          <p key={kind} data-testid={`home-${kind}`}>
            <span className="text-lg font-semibold tabular-nums">{formatCredits(me[kind].available)}</span> {kind} available
            {me[kind].topUp > 0 ? <span className="text-zinc-600 dark:text-zinc-400"> (incl. {formatCredits(me[kind].topUp)} top-up)</span> : null}
          </p>
        ))}
        <p className="text-zinc-600 dark:text-zinc-400">
          {me.account.type === "seat" ? "Resets" : "Free allowance resets"} <LocalTime iso={me.message.cycleEnd.toISOString()} />
        </p>
        <Link href="/settings/workspace" className={`ml-auto font-medium text-indigo-700 underline dark:text-indigo-300 ${focusRing}`}>
          Details
        </Link>
      </section>
      {rows.length === 0 ? (
        <EmptyState className="p-8 text-center">
          No apps in this workspace yet. Create one to start building with the AI.
        </EmptyState>
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2">
          {rows.map((app) => (
            <li key={app.id} className={cardClass("space-y-3 p-4")} data-testid={`app-${app.name}`}>
              <div>
                <Link href={`/apps/${app.id}/editor`} className={`font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300 ${focusRing}`}>
                  {app.name}
                </Link>
                <span className="block text-sm text-zinc-600 dark:text-zinc-400">Owned by {app.ownerUserId === user.id ? "you" : app.ownerName}</span>
              </div>
              <p className="text-sm tabular-nums">
                {formatCredits(app.integrationUsed)} integration credits used this cycle
                {app.integrationCap !== null ? (
                  <span className="block" data-testid="cap">
                    Cap: {formatCredits(app.capUsed)} of {formatCredits(app.integrationCap)} used
                    {app.capUsed >= app.integrationCap ? <strong className="text-amber-700 dark:text-amber-300"> — reached, its integrations are paused</strong> : null}
                  </span>
                ) : null}
              </p>
              {app.ownerUserId === user.id || current.role !== "member" ? <AppCapForm appId={app.id} appName={app.name} cap={app.integrationCap} /> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
