import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships } from "@/db/schema";
import { forbidden, notFound } from "@/lib/errors";

export type Role = "owner" | "admin" | "member";

/**
 * The caller's role in the workspace, if it is one of `allowed`. A non-member gets "not
 * found", not "forbidden": ids of other tenants' workspaces are not confirmed to exist.
 */
export async function requireRole(db: Db, workspaceId: string, userId: string, allowed: Role[], doing: string): Promise<Role> {
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

export async function isMember(db: Db, workspaceId: string, userId: string): Promise<boolean> {
  const [m] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
  return !!m;
}
