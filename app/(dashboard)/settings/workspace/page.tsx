import type { Metadata } from "next";
import { requireWorkspace } from "@/lib/session";

export const metadata: Metadata = { title: "Workspace" };

export default async function WorkspaceSettingsPage() {
  const { current } = await requireWorkspace();
  return (
    <div className="space-y-4">
      <h2 className="text-xl font-semibold">Workspace</h2>
      <dl className="grid grid-cols-[8rem_1fr] gap-2 text-sm">
        <dt className="text-zinc-600 dark:text-zinc-400">Name</dt>
        <dd>{current.name}</dd>
        <dt className="text-zinc-600 dark:text-zinc-400">Your role</dt>
        <dd className="capitalize">{current.role}</dd>
      </dl>
      <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
        Your used and remaining credits for this cycle will appear here once credit metering is switched on.
      </p>
    </div>
  );
}
