import type { Metadata } from "next";
import Link from "next/link";
import { focusRing } from "@/components/ui/button";
import { formatCredits } from "@/lib/credits/amounts";
import { requireWorkspace } from "@/lib/auth/session";
import { getHomeView } from "@/lib/views/home";
import { AppCapForm } from "./app-cap-form";
import { CreateAppForm } from "./create-app-form";
import { cardClass, EmptyState } from "@/components/ui/surface";

export const metadata: Metadata = { title: "Apps" };

export default async function HomePage() {
  const { db, user, current } = await requireWorkspace();
  const { apps: rows } = await getHomeView(db, { workspaceId: current.workspaceId }, new Date());
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-2xl font-semibold">Apps in {current.name}</h1>
        <CreateAppForm workspaceId={current.workspaceId} />
      </div>
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
