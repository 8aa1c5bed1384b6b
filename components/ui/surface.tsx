import type { ReactNode } from "react";

/**
 * The app's surfaces, in one place: a card (a section on a page), a floating panel (menus,
 * popovers), a menu item, and the dashed box of an empty state.
 */
export function cardClass(extra = "") {
  return `rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900 ${extra}`;
}

export function floatingClass(extra = "") {
  return `z-50 rounded-lg border border-zinc-200 bg-white text-zinc-900 shadow-lg dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100 ${extra}`;
}

export const menuItemClass =
  "flex w-full cursor-pointer select-none items-center gap-2 rounded px-3 py-2 text-sm outline-none data-[highlighted]:bg-zinc-100 dark:data-[highlighted]:bg-zinc-800";

export function EmptyState({ children, className = "p-6" }: { children: ReactNode; className?: string }) {
  return <p className={`rounded-lg border border-dashed border-zinc-300 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400 ${className}`}>{children}</p>;
}
