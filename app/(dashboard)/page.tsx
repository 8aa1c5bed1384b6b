import type { Metadata } from "next";
import Link from "next/link";
import { focusRing } from "@/components/ui/button";
import { formatCredits } from "@/lib/credits/amounts";
import { requireWorkspace } from "@/lib/auth/session";
import { getHomeView } from "@/lib/views/home";
import { CreateAppForm } from "./create-app-form";
import { EmptyState } from "@/components/ui/surface";

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
            <li key={app.id}>
              <Link
                href={`/apps/${app.id}/editor`}
                className={`block rounded-lg border border-zinc-200 bg-white p-4 hover:border-indigo-400 dark:border-zinc-800 dark:bg-zinc-900 dark:hover:border-indigo-500 ${focusRing}`}
              >
                <span className="block font-medium">{app.name}</span>
                <span className="block text-sm text-zinc-600 dark:text-zinc-400">Owned by {app.ownerUserId === user.id ? "you" : app.ownerName}</span>
                <span className="mt-2 block text-sm tabular-nums">
                  {formatCredits(app.integrationUsed)} integration credits used this cycle
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
