import type { Metadata } from "next";
import Link from "next/link";
import { LogoMark } from "@/components/logo";
import { buttonClass, focusRing } from "@/components/ui/button";
import { cardClass } from "@/components/ui/surface";

export const metadata: Metadata = { title: "Not found" };

/**
 * Any page or app that does not exist, or is not yours to see (another workspace's app
 * answers the same): inside the app's frame, with the way back.
 */
export default function NotFound() {
  return (
    <div className="min-h-dvh">
      <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-3 px-4">
          <Link href="/" className={`flex items-center gap-2 rounded font-semibold ${focusRing}`}>
            <LogoMark />
            <span>Credits</span>
          </Link>
          <Link href="/help" className={`ml-auto rounded px-2 py-1 text-sm text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800 ${focusRing}`}>
            Help
          </Link>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-16">
        <div className={cardClass("mx-auto max-w-lg space-y-4 p-8 text-center")}>
          <h1 className="text-2xl font-semibold">There is nothing here</h1>
          <p className="text-zinc-600 dark:text-zinc-400">
            This page or app does not exist, or it belongs to a workspace you are not a member of. If someone sent you a link, ask
            them to invite you.
          </p>
          <Link href="/" className={buttonClass("primary")}>
            Back to your apps
          </Link>
        </div>
      </main>
    </div>
  );
}
