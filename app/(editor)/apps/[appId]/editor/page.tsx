import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CreditsPopover } from "@/components/credits/credits-popover";
import { LiveCredits } from "@/components/credits/live-credits";
import { NotificationsMenu } from "@/components/notifications-menu";
import { ProfileMenu } from "@/components/profile-menu";
import { focusRing } from "@/components/ui/button";
import { requireWorkspace } from "@/lib/auth/session";
import { DomainError } from "@/lib/errors";
import { getEditorView } from "@/lib/views/editor";
import { ChatPanel } from "./chat-panel";
import { IntegrationsPanel } from "./integrations-panel";
import { VisualEditor } from "./visual-editor";

export const metadata: Metadata = { title: "Editor" };

export default async function EditorPage({ params }: { params: Promise<{ appId: string }> }) {
  const { appId } = await params;
  const { db, user } = await requireWorkspace();
  if (!/^[0-9a-f-]{36}$/i.test(appId)) notFound();
  const view = await getEditorView(db, { appId, userId: user.id }).catch((err) => {
    if (err instanceof DomainError) notFound();
    throw err;
  });
  const { app, isOwner, ownerName, appOwnerName } = view;

  return (
    <>
      <header className="sticky top-0 z-40 border-b border-zinc-200 bg-white/90 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/90">
        <div className="flex h-14 items-center gap-2 px-3 sm:px-4">
          {/* On a phone the way back is an arrow before everything else; wider, a link after the app's name. */}
          <Link href="/" className={`-ml-1 rounded px-2 py-1 text-base text-zinc-700 hover:bg-zinc-100 sm:hidden dark:text-zinc-300 dark:hover:bg-zinc-800 ${focusRing}`}>
            <span aria-hidden="true">←</span>
            <span className="sr-only">All apps</span>
          </Link>
          <CreditsPopover workspaceId={app.workspaceId} isOwner={isOwner} ownerName={ownerName} appOwnerName={appOwnerName} />
          <span aria-hidden="true" className="text-zinc-300 dark:text-zinc-700">/</span>
          <h1 className="truncate text-sm font-medium">{app.name}</h1>
          <Link href="/" className={`ml-2 hidden rounded px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 sm:inline dark:text-zinc-400 dark:hover:bg-zinc-800 ${focusRing}`}>
            All apps
          </Link>
          <div className="ml-auto flex items-center gap-2">
            <NotificationsMenu />
            <ProfileMenu name={user.name} email={user.email} />
          </div>
        </div>
      </header>
      <main className="grid gap-4 p-3 sm:p-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <ChatPanel appId={app.id} workspaceId={app.workspaceId} costs={view.messageCosts} isOwner={isOwner} ownerName={ownerName} />
        <div className="space-y-4">
          <VisualEditor appId={app.id} initial={app.design} appName={app.name} />
          <IntegrationsPanel
            appId={app.id}
            workspaceId={app.workspaceId}
            actions={view.integrations}
            payerName={view.pool ? "the shared pool" : (appOwnerName ?? "you")}
            isOwner={isOwner}
            ownerName={ownerName}
          />
        </div>
      </main>
      <LiveCredits />
    </>
  );
}
