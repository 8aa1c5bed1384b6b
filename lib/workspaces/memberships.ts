import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, workspaces } from "@/db/schema";
import type { MemberRef, Role } from "./roles";


export interface WorkspaceMembership {
  workspaceId: string;
  name: string;
  personal: boolean;
  role: Role;
}

/** Every workspace the person belongs to, shared ones first, then by age. */
export async function listMemberships(db: Db, userId: string): Promise<WorkspaceMembership[]> {
  const rows = await db
    .select({
      workspaceId: workspaces.id,
      name: workspaces.name,
      personal: workspaces.personal,
      role: memberships.role,
    })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(workspaces.personal), asc(workspaces.createdAt));
  return rows;
}

/** The person's membership of one workspace, or null: the check behind every tenant query. */
export async function getMembership(db: Db, { workspaceId, userId }: MemberRef) {
  const [row] = await db
    .select({ workspaceId: workspaces.id, name: workspaces.name, personal: workspaces.personal, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(and(eq(memberships.userId, userId), eq(memberships.workspaceId, workspaceId)));
  return row ?? null;
}

/** The workspace to show: the preferred one if the person belongs to it, else their first. */
export function pickWorkspace(list: WorkspaceMembership[], preferredId: string | undefined) {
  return list.find((w) => w.workspaceId === preferredId) ?? list[0] ?? null;
}
