"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { signOut } from "next-auth/react";
import Link from "next/link";
import { focusRing } from "./ui/button";
import { MenuContent } from "@/components/ui/menu";
import { menuItemClass } from "@/components/ui/surface";


function initials(name: string) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join("");
}

/** The profile icon at the top right: the way to Settings and to sign out. */
export function ProfileMenu({ name, email }: { name: string; email: string }) {
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger
        className={`flex h-9 w-9 items-center justify-center rounded-full bg-indigo-600 text-sm font-semibold text-white dark:bg-indigo-500 ${focusRing}`}
      >
        {/* The initials are decoration; the name read out is the button's purpose. */}
        <span aria-hidden="true">{initials(name) || "?"}</span>
        <span className="sr-only">Profile and settings</span>
      </DropdownMenu.Trigger>
      <MenuContent className="min-w-56">
        <div className="px-3 py-2">
          <p className="text-sm font-medium">{name}</p>
          <p className="truncate text-xs text-zinc-600 dark:text-zinc-400">{email}</p>
        </div>
        <DropdownMenu.Separator className="my-1 h-px bg-zinc-200 dark:bg-zinc-800" />
        <DropdownMenu.Item asChild className={menuItemClass}>
          <Link href="/settings/workspace">Settings</Link>
        </DropdownMenu.Item>
        <DropdownMenu.Item className={menuItemClass} onSelect={() => void signOut({ callbackUrl: "/sign-in" })}>
          Sign out
        </DropdownMenu.Item>
      </MenuContent>
    </DropdownMenu.Root>
  );
}
