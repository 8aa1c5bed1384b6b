"use client";

import dynamic from "next/dynamic";
import type { DayUsage } from "./usage-chart";

// The chart library is loaded only when a chart is on screen, not in every page's bundle.
const UsageChart = dynamic(() => import("./usage-chart"), {
  ssr: false,
  loading: () => <div className="h-[240px] animate-pulse rounded bg-zinc-100 dark:bg-zinc-800" aria-hidden="true" />,
});

export function LazyUsageChart({ data, label }: { data: DayUsage[]; label: string }) {
  return (
    <figure aria-label={label} className="text-zinc-600 dark:text-zinc-400">
      <UsageChart data={data} />
    </figure>
  );
}
