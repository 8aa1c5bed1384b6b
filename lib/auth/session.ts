import { getServerSession } from "next-auth";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import type { Db } from "@/db/client";
import { getDb, getReadDb, type ReadDb } from "@/lib/db";
import { WROTE_COOKIE } from "./read-your-writes";
import { authOptions } from "./options";
import { userOfSession } from "./sessions";
import { listMemberships, pickWorkspace } from "@/lib/workspaces/memberships";

export const WORKSPACE_COOKIE = "credits-workspace";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

/**
 * The signed-in person, re-read from the database with their session: a deleted user's or a
 * signed-out session's cookie is worthless.
 */
export async function getSessionUser(): Promise<SessionUser | null> {
  return (await getSession())?.user ?? null;
}

/**
 * The same, with a way to ask again later whether that session still stands (a long-lived
 * response, such as the events stream, ends when the session is revoked).
 */
export async function getSession(): Promise<{ user: SessionUser; stillValid: () => Promise<boolean> } | null> {
  // Reading the request first makes every caller dynamic: no page that needs a session is
  // prerendered at build time, when the runtime configuration is not there.
  await cookies();
  const session = await getServerSession(authOptions());
  const userId = session?.user?.id;
  const sessionId = session?.user?.sid;
  if (!userId || !sessionId) return null;
  const user = await userOfSession(await getDb(), { userId, sessionId });
  if (!user) return null;
  return { user, stillValid: async () => !!(await userOfSession(await getDb(), { userId, sessionId })) };
}

/** For pages: the signed-in person, or a redirect to sign-in. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect("/sign-in");
  return user;
}

/**
 * The workspace a signed-in person is working in: `requested` when given (and theirs), else
 * the one they last chose, else their first. Null when it is not one of theirs. The one place
 * this choice is made, for pages, the balance API and the CSV export alike.
 */
export async function currentWorkspace(db: Db, userId: string, requested?: string | null) {
  const all = await listMemberships(db, userId);
  const current = requested ? (all.find((w) => w.workspaceId === requested) ?? null) : pickWorkspace(all, await preferredWorkspaceId());
  return { current, all };
}

/** For pages: the person, the workspace they are looking at, and all of theirs. */
export async function requireWorkspace() {
  const user = await requireUser();
  const db = await getDb();
  const { current, all } = await currentWorkspace(db, user.id);
  if (!current) redirect("/sign-in");
  return { user, db, current, all };
}

/** The database this viewer's dashboard reads go to (the replica, unless it has not replayed their own last change). */
export async function readDbForViewer(): Promise<ReadDb> {
  return getReadDb({ afterLsn: (await cookies()).get(WROTE_COOKIE)?.value ?? null });
}

/** The workspace the person last chose (a cookie); checked against their memberships by callers. */
export async function preferredWorkspaceId(): Promise<string | undefined> {
  return (await cookies()).get(WORKSPACE_COOKIE)?.value;
}

/** Remembers the workspace the person chose, for a year. */
export async function rememberWorkspace(workspaceId: string): Promise<void> {
  (await cookies()).set(WORKSPACE_COOKIE, workspaceId, { httpOnly: true, sameSite: "lax", path: "/", maxAge: 60 * 60 * 24 * 365 });
}
