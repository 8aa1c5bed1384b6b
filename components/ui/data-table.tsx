import type { ReactNode } from "react";

export interface Column {
  label: string;
  align?: "left" | "right";
}

/** The settings pages' table: scrolls sideways on a phone instead of squeezing the columns. */
export function DataTable({ columns, minWidth, children }: { columns: Column[]; minWidth: string; children: ReactNode }) {
  return (
    // relative: screen-reader-only labels in far columns are absolutely positioned, and must
    // scroll with the table instead of widening the page on a phone.
    <div className="space-y-1">
      <p aria-hidden="true" className="text-right text-xs text-zinc-600 sm:hidden dark:text-zinc-400">
        Swipe the table sideways for more →
      </p>
    <div className="relative overflow-x-auto rounded-xl border border-zinc-200 dark:border-zinc-800">
      <table className="w-full text-left text-sm" style={{ minWidth }}>
        <thead className="bg-zinc-100 text-zinc-700 dark:bg-zinc-900 dark:text-zinc-300">
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={`px-4 py-2 font-medium ${c.align === "right" ? "text-right" : ""}`}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 bg-white dark:divide-zinc-800 dark:bg-zinc-950">{children}</tbody>
      </table>
    </div>
    </div>
  );
}
