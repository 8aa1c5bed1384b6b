"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import Link from "next/link";
import { markNotificationsReadAction } from "@/lib/actions/workspace";
import { useNotifications, useRefreshCredits } from "./credits/queries";
import { LocalTime } from "./local-time";
import { useAction } from "./use-action";
import { focusRing } from "./ui/button";
import { MenuContent } from "@/components/ui/menu";
import { menuItemClass } from "@/components/ui/surface";

/** The bell in the top bar: 80% and 100% usage notices, marked read when opened. */
export function NotificationsMenu() {
  const { data } = useNotifications();
  const refresh = useRefreshCredits();
  const unread = data?.unread ?? 0;
  const label = unread > 0 ? `Notifications, ${unread} unread` : "Notifications";

  const { run } = useAction({ background: true });

  function onOpenChange(open: boolean) {
    if (!open || !data) return;
    const ids = data.items.filter((n) => !n.read).map((n) => n.id);
    if (ids.length > 0) void run(markNotificationsReadAction, { ids }, { then: refresh });
  }

  return (
    <DropdownMenu.Root onOpenChange={onOpenChange}>
      <DropdownMenu.Trigger
        aria-label={label}
        className={`relative flex h-9 w-9 items-center justify-center rounded-full text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800 ${focusRing}`}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.8">
          <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" strokeLinejoin="round" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" strokeLinecap="round" />
        </svg>
        {unread > 0 ? (
          <span aria-hidden="true" className="absolute -top-0.5 -right-0.5 rounded-full bg-red-600 px-1.5 text-[10px] leading-4 font-semibold text-white">
            {unread}
          </span>
        ) : null}
      </DropdownMenu.Trigger>
      <MenuContent className="w-80 max-w-[calc(100vw-1rem)]">
        <DropdownMenu.Label className="px-3 py-2 text-sm font-semibold">Notifications</DropdownMenu.Label>
        {!data || data.items.length === 0 ? (
          <p className="px-3 pb-3 text-sm text-zinc-600 dark:text-zinc-400">
            Nothing yet. You&apos;ll be told here when you have used 80% and 100% of a kind of credit in a cycle.
          </p>
        ) : (
          data.items.map((n) => (
            <DropdownMenu.Item key={n.id} asChild className={`${menuItemClass} flex-col items-start gap-0.5`}>
              {/* A notice leads where it can be acted on (the credits page, the billing page). */}
              <Link href={n.href ?? "/settings/workspace"}>
                <span className={n.read ? "" : "font-semibold"}>{n.body}</span>
                <span className="text-xs text-zinc-600 dark:text-zinc-400">
                  <LocalTime iso={n.createdAt} />
                </span>
              </Link>
            </DropdownMenu.Item>
          ))
        )}
      </MenuContent>
    </DropdownMenu.Root>
  );
}
