"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { useRouter } from "next/navigation";
import { switchWorkspaceAction } from "@/lib/actions/workspace";
import { useAction } from "./use-action";
import { focusRing } from "./ui/button";
import { MenuContent } from "@/components/ui/menu";
import { menuItemClass } from "@/components/ui/surface";

interface Option {
  workspaceId: string;
  name: string;
}

/** Shows the current workspace; lists the others when the person belongs to more than one. */
export function WorkspaceSwitcher({
  current,
  options,
}: {
  current: Option;
  options: Option[];
}) {
  const router = useRouter();
  const { pending, run } = useAction();
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
      <MenuContent align="start" className="min-w-48">
        <DropdownMenu.RadioGroup
          value={current.workspaceId}
          onValueChange={(workspaceId) => void run(switchWorkspaceAction, { workspaceId }, { then: (r) => (r.ok ? router.refresh() : undefined) })}
        >
          {options.map((o) => (
            <DropdownMenu.RadioItem
              key={o.workspaceId}
              value={o.workspaceId}
              className={menuItemClass}
            >
              <DropdownMenu.ItemIndicator>✓</DropdownMenu.ItemIndicator>
              {o.name}
            </DropdownMenu.RadioItem>
          ))}
        </DropdownMenu.RadioGroup>
      </MenuContent>
    </DropdownMenu.Root>
  );
}
