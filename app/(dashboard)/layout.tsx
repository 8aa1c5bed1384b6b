import Link from "next/link";
import type { ReactNode } from "react";
import { LiveCredits } from "@/components/credits/live-credits";
import { LogoMark } from "@/components/logo";
import { NotificationsMenu } from "@/components/notifications-menu";
import { ProfileMenu } from "@/components/profile-menu";
import { focusRing } from "@/components/ui/button";
import { WorkspaceSwitcher } from "@/components/workspace-switcher";
import { requireWorkspace } from "@/lib/auth/session";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const { user, current, all } = await requireWorkspace();
  return (
    <div className="min-h-dvh">
      <header className="sticky top-0 z-40 border-b border-zinc-200 bg-white/90 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/90">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-3 px-4">
          <Link href="/" className={`flex items-center gap-2 rounded font-semibold ${focusRing}`}>
            <LogoMark />
            <span className="hidden sm:inline">Credits</span>
          </Link>
          <span aria-hidden="true" className="text-zinc-300 dark:text-zinc-700">
            /
          </span>
          <WorkspaceSwitcher
            current={{ workspaceId: current.workspaceId, name: current.name }}
            options={all.map((w) => ({ workspaceId: w.workspaceId, name: w.name }))}
          />
          <div className="ml-auto flex items-center gap-2">
            <Link href="/help" className={`rounded px-2 py-1 text-sm text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800 ${focusRing}`}>
              Help
            </Link>
            <NotificationsMenu />
            <ProfileMenu name={user.name} email={user.email} />
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-8">{children}</main>
      <LiveCredits />
    </div>
  );
}
