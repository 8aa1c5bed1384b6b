"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { focusRing } from "./ui/button";

interface Option {
  workspaceId: string;
  name: string;
}

/** Shows the current workspace; lists the others when the person belongs to more than one. */
export function WorkspaceSwitcher({
  current,
  options,
  onSwitch,
}: {
  current: Option;
  options: Option[];
  onSwitch: (workspaceId: string) => Promise<unknown>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  if (options.length < 2) {
    return <span className="truncate text-sm font-medium">{current.name}</span>;
  }
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger
        aria-label={`Workspace: ${current.name}. Switch workspace`}
        className={`flex max-w-48 items-center gap-1 truncate rounded px-2 py-1 text-sm font-medium hover:bg-zinc-100 dark:hover:bg-zinc-800 ${focusRing}`}
        disabled={pending}
      >
        <span className="truncate">{current.name}</span>
        <span aria-hidden="true">▾</span>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="start"
          sideOffset={6}
          className="z-50 min-w-48 rounded-lg border border-zinc-200 bg-white p-1 text-zinc-900 shadow-lg dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100"
        >
          <DropdownMenu.RadioGroup
            value={current.workspaceId}
            onValueChange={(id) =>
              startTransition(async () => {
                await onSwitch(id);
                router.refresh();
              })
            }
          >
            {options.map((o) => (
              <DropdownMenu.RadioItem
                key={o.workspaceId}
                value={o.workspaceId}
                className="flex cursor-pointer items-center gap-2 rounded px-3 py-2 text-sm outline-none data-[highlighted]:bg-zinc-100 dark:data-[highlighted]:bg-zinc-800"
              >
                <DropdownMenu.ItemIndicator>✓</DropdownMenu.ItemIndicator>
                {o.name}
              </DropdownMenu.RadioItem>
            ))}
          </DropdownMenu.RadioGroup>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
