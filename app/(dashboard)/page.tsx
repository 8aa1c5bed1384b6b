import { asc, eq } from "drizzle-orm";
import type { Metadata } from "next";
import { apps, users } from "@/db/schema";
import { requireWorkspace } from "@/lib/session";

export const metadata: Metadata = { title: "Apps" };

export default async function HomePage() {
  const { db, current } = await requireWorkspace();
  const rows = await db
    .select({ id: apps.id, name: apps.name, owner: users.name })
    .from(apps)
    .innerJoin(users, eq(users.id, apps.ownerUserId))
    .where(eq(apps.workspaceId, current.workspaceId))
    .orderBy(asc(apps.name));
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Apps in {current.name}</h1>
      {rows.length === 0 ? (
        <p className="rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          No apps in this workspace yet.
        </p>
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2">
          {rows.map((app) => (
            <li key={app.id} className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
              <p className="font-medium">{app.name}</p>
              <p className="text-sm text-zinc-600 dark:text-zinc-400">Owned by {app.owner}</p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
