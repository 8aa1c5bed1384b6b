import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, workspaces } from "@/db/schema";
import type { MemberRef, Role } from "./roles";


export interface WorkspaceMembership {
  workspaceId: string;
  name: string;
  personal: boolean;
  role: Role;
  joinedAt: Date;
}

/** Every workspace the person belongs to, shared ones first, then by age. */
export async function listMemberships(db: Db, userId: string): Promise<WorkspaceMembership[]> {
  const rows = await db
    .select({
      workspaceId: workspaces.id,
      name: workspaces.name,
      personal: workspaces.personal,
      role: memberships.role,
      joinedAt: memberships.createdAt,
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

/**
 * The workspace to show: the one the person chose (if they still belong to it), else the
 * first they ever joined. Joining another workspace never changes this: only the person does.
 */
export function pickWorkspace(list: WorkspaceMembership[], preferredId: string | undefined) {
  const chosen = list.find((w) => w.workspaceId === preferredId);
  if (chosen) return chosen;
  return list.reduce<WorkspaceMembership | null>((first, w) => (!first || w.joinedAt < first.joinedAt ? w : first), null);
}
