import type { ReactNode } from "react";
import { SettingsNav } from "./settings-nav";

export default function SettingsLayout({ children }: { children: ReactNode }) {
  return (
    <div className="grid gap-8 md:grid-cols-[12rem_1fr]">
      <aside>
        <h1 className="mb-3 text-2xl font-semibold">Settings</h1>
        <SettingsNav />
      </aside>
      <section>{children}</section>
    </div>
  );
}
