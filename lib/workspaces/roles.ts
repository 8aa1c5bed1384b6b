import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships } from "@/db/schema";
import { forbidden, notFound } from "@/lib/errors";

export type Role = "owner" | "admin" | "member";

/** A person in a workspace: how every membership lookup is addressed. */
export interface MemberRef {
  workspaceId: string;
  userId: string;
}

/**
 * The caller's role in the workspace, if it is one of `allowed`. A non-member gets "not
 * found", not "forbidden": ids of other tenants' workspaces are not confirmed to exist.
 */
export async function requireRole(db: Db, { workspaceId, userId }: MemberRef, allowed: Role[], doing: string): Promise<Role> {
  const [m] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  if (!m) throw notFound("Workspace");
  if (!allowed.includes(m.role)) {
    const who = allowed.length === 1 ? "the workspace owner" : "the workspace owner or an admin";
    throw forbidden(`Only ${who} can ${doing}.`);
  }
  return m.role;
}

export async function isMember(db: Db, { workspaceId, userId }: MemberRef): Promise<boolean> {
  const [m] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  return !!m;
}
