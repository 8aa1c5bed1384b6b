"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import type { ReactNode } from "react";
import { floatingClass } from "./surface";

/** The floating list of a top-bar menu: portalled, offset from its trigger, one look everywhere. */
export function MenuContent({ align = "end", className = "", children }: { align?: "start" | "end"; className?: string; children: ReactNode }) {
  return (
    <DropdownMenu.Portal>
      <DropdownMenu.Content align={align} sideOffset={8} className={floatingClass(`p-1 ${className}`)}>
        {children}
      </DropdownMenu.Content>
    </DropdownMenu.Portal>
  );
}
