"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { focusRing } from "@/components/ui/button";
import type { Role } from "@/lib/workspaces/roles";

const sections = [
  { href: "/settings/workspace", label: "Workspace", managersOnly: false },
  { href: "/settings/billing", label: "Billing", managersOnly: false },
  { href: "/settings/members", label: "Members", managersOnly: false },
  { href: "/settings/audit-log", label: "Audit log", managersOnly: true },
  { href: "/settings/api-keys", label: "API keys", managersOnly: false },
];

export function SettingsNav({ role }: { role: Role }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Settings sections">
      <ul className="flex flex-wrap gap-1 md:flex-col">
        {sections.filter((s) => !s.managersOnly || role !== "member").map((s) => {
          const active = pathname === s.href;
          return (
            <li key={s.href}>
              <Link
                href={s.href}
                aria-current={active ? "page" : undefined}
                className={`block rounded-md px-3 py-2 text-sm ${focusRing} ${
                  active
                    ? "bg-zinc-200 font-medium dark:bg-zinc-800"
                    : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-900"
                }`}
              >
                {s.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
