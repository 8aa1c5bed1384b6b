import type { Metadata } from "next";
import Link from "next/link";
import { LogoMark } from "@/components/logo";
import { getDb } from "@/lib/db";
import { findInvitation } from "@/lib/workspaces/invitations";
import { getSessionUser } from "@/lib/auth/session";
import { AcceptInvite } from "./accept-invite";
import { cardClass } from "@/components/ui/surface";

export const metadata: Metadata = { title: "Invitation" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const found = await findInvitation(await getDb(), token, new Date());
  const user = await getSessionUser();
  const here = `/invite/${encodeURIComponent(token)}`;
  return (
    <main className="flex min-h-dvh items-center justify-center px-4">
      <div className={cardClass("w-full max-w-md space-y-4 p-6")}>
        <div className="flex items-center gap-2 font-semibold">
          <LogoMark /> Credits
        </div>
        {!found ? (
          <>
            <h1 className="text-xl font-semibold">This invitation can&apos;t be used</h1>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">It may have expired or already been accepted. Ask for a new one.</p>
          </>
        ) : (
          <>
            <h1 className="text-xl font-semibold">Join {found.workspaceName}</h1>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              This invitation is for <strong>{found.invitation.email}</strong>, as {found.invitation.role === "admin" ? "an admin" : "a member"}.
            </p>
            {user ? (
              <AcceptInvite token={token} signedInAs={user.email} />
            ) : (
              <p className="text-sm">
                <Link href={`/sign-up?next=${encodeURIComponent(here)}`} className="font-medium underline">
                  Create an account
                </Link>{" "}
                or{" "}
                <Link href={`/sign-in?next=${encodeURIComponent(here)}`} className="font-medium underline">
                  sign in
                </Link>{" "}
                with that email, then come back to this link.
              </p>
            )}
          </>
        )}
      </div>
    </main>
  );
}
