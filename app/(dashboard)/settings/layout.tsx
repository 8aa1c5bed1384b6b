import type { ReactNode } from "react";
import { requireWorkspace } from "@/lib/auth/session";
import { SettingsNav } from "./settings-nav";

export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const { current } = await requireWorkspace();
  return (
    <div className="grid gap-8 md:grid-cols-[12rem_minmax(0,1fr)]">
      <aside>
        <h1 className="mb-3 text-2xl font-semibold">Settings</h1>
        <SettingsNav role={current.role} />
      </aside>
      <section className="min-w-0">{children}</section>
    </div>
  );
}
