/** Shown at once while a page of the dashboard loads: the navigation visibly started. */
export default function Loading() {
  return (
    <div role="status" aria-live="polite" className="space-y-4">
      <div className="h-1 w-full overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800">
        <div className="h-full w-1/3 animate-pulse rounded bg-indigo-600 dark:bg-indigo-400" />
      </div>
      <span className="sr-only">Loading…</span>
      <div className="h-8 w-64 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
      <div className="h-32 animate-pulse rounded-xl bg-zinc-100 dark:bg-zinc-900" />
    </div>
  );
}
