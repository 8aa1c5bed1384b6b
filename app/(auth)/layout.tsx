import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { LogoMark } from "@/components/logo";
import { getSessionUser } from "@/lib/auth/session";
import { cardClass } from "@/components/ui/surface";

export default async function AuthLayout({ children }: { children: ReactNode }) {
  if (await getSessionUser()) redirect("/");
  return (
    <main className="flex min-h-dvh items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm space-y-6">
        <div className="flex items-center justify-center gap-2 text-lg font-semibold">
          <LogoMark /> Credits
        </div>
        <div className={cardClass("p-6 shadow-sm")}>
          {children}
        </div>
      </div>
    </main>
  );
}
