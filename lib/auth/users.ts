import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, memberships, users, workspaces } from "@/db/schema";
import { isUniqueViolation } from "@/lib/errors";
import { normalizeEmail } from "@/lib/format/email";
import { dummyPasswordHash, hashPassword, verifyPassword } from "./password";

export { normalizeEmail };

export class EmailTakenError extends Error {
  constructor() {
    super("An account with this email already exists. Sign in instead, or use another email.");
    this.name = "EmailTakenError";
  }
}

export interface NewUser {
  name: string;
  email: string;
  password: string;
}

/**
 * Signs a person up: the user, a personal workspace they own, and their one free allowance
 * (daily cycles anchored at this instant). All in one transaction: no half-made account.
 */
export async function createUser(db: Db, input: NewUser, now: Date) {
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ email, name: input.name.trim(), passwordHash, createdAt: now })
        .returning();
      if (!user) throw new Error("insert into users returned no row");
      const [workspace] = await tx
        .insert(workspaces)
        .values({ name: `${user.name}'s workspace`, ownerId: user.id, personal: true, createdAt: now })
        .returning();
      if (!workspace) throw new Error("insert into workspaces returned no row");
      await tx.insert(memberships).values({ workspaceId: workspace.id, userId: user.id, role: "owner", createdAt: now });
      await tx.insert(creditAccounts).values({
        type: "free",
        planId: "free",
        holderUserId: user.id,
        anchorAt: now,
        createdAt: now,
      });
      return { user, workspace };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new EmailTakenError();
    throw err;
  }
}

/**
 * Checks an email and password. Returns the user or null, never saying which part was wrong,
 * and spending the same hashing time whether or not the email exists.
 */
export async function verifyCredentials(db: Db, email: string, password: string) {
  const [user] = await db.select().from(users).where(eq(users.email, normalizeEmail(email)));
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  return user && ok ? { id: user.id, email: user.email, name: user.name } : null;
}
