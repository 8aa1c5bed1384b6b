import type { Metadata } from "next";
import { LocalTime } from "@/components/local-time";
import { requireWorkspace } from "@/lib/auth/session";
import { getApiKeysView } from "@/lib/views/api-keys";
import { CreateKeyForm } from "./create-key-form";
import { RevokeKeyButton } from "./revoke-key-button";
import { EmptyState } from "@/components/ui/surface";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const { db, user, current } = await requireWorkspace();
  const { apps: mine } = await getApiKeysView(db, { workspaceId: current.workspaceId, userId: user.id });

  return (
    <div className="space-y-6">
      <div className="space-y-1">
        <h2 className="text-xl font-semibold">API keys</h2>
        <p className="max-w-prose text-sm text-zinc-600 dark:text-zinc-400">
          A published app sends its integration calls to the metering API with one of these keys. Each call is charged
          to the app owner&apos;s integration credits — yours, for the apps below.
        </p>
      </div>
      {mine.length === 0 ? (
        <EmptyState className="p-6">
          You don&apos;t own any app in {current.name}, so there are no keys for you to manage here.
        </EmptyState>
      ) : (
        <>
          <CreateKeyForm apps={mine.map((a) => ({ id: a.id, name: a.name }))} revokedPrefixes={mine.flatMap((a) => a.keys.filter((k) => k.revokedAt).map((k) => k.prefix))} />
          {mine.map(({ keys: list, ...app }) => (
            <section key={app.id} aria-labelledby={`keys-${app.id}`} className="space-y-2">
              <h3 id={`keys-${app.id}`} className="font-medium">
                {app.name}
              </h3>
              {list.length === 0 ? (
                <p className="text-sm text-zinc-600 dark:text-zinc-400">No keys yet.</p>
              ) : (
                <ul className="divide-y divide-zinc-200 rounded-lg border border-zinc-200 bg-white text-sm dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
                  {list.map((k) => (
                    <li key={k.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-2">
                      <code className="font-mono">{k.prefix}…</code>
                      <span className="text-zinc-600 dark:text-zinc-400">
                        {k.revokedAt ? "revoked" : "created"} <LocalTime iso={(k.revokedAt ?? k.createdAt).toISOString()} />
                        <span className="block" data-testid={`last-used-${k.prefix}`}>
                          {k.lastUsedAt ? (
                            <>
                              last used <LocalTime iso={k.lastUsedAt.toISOString()} />
                            </>
                          ) : (
                            "never used"
                          )}
                        </span>
                      </span>
                      {k.revokedAt ? null : <RevokeKeyButton keyId={k.id} prefix={k.prefix} appName={app.name} />}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          ))}
        </>
      )}
    </div>
  );
}
