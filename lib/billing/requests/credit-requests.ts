/** Credit requests: a member asks the owners for more, and an owner answers. */
import { and, desc, eq, gt, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditRequests, memberships, users, workspaces } from "@/db/schema";
import { getActingAccount } from "@/lib/credits/accounts";
import { memberLimitOf } from "@/lib/credits/member-limits";
import { notify } from "@/lib/credits/notices";
import { invalid, notFound } from "@/lib/errors";
import { afterCommit } from "@/lib/events";
import { appLink, queueMailToUser } from "@/lib/mail";
import { requireRole } from "@/lib/workspaces/roles";

/**
 * Members ask, owners answer: a member who ran out asks the workspace's owner for more with one
 * button. The owner hears it in the app and by email, with a link to the control that helps (a
 * seat, a top-up, a higher limit); one open request per member; the member sees its state and is
 * told the answer.
 */
export type CreditRequest = typeof creditRequests.$inferSelect;

/** What the owner can do about it, in words and as a place in the app. */
function remedy(args: { accountType: "seat" | "free" | "pool"; reason: CreditRequest["reason"] }) {
  if (args.reason === "member_limit") return { words: "raise their limit", path: "/settings/workspace" };
  if (args.accountType === "free") return { words: "give them a paid seat", path: "/settings/members" };
  return { words: "buy a top-up or move to a bigger plan", path: "/settings/billing#top-ups" };
}

/** Asks the owner for more credits of `kind`; an open request is answered as it is (one per member). */
export async function askForCredits(db: Db, args: { workspaceId: string; userId: string; kind: "message" | "integration" }, now: Date): Promise<CreditRequest> {
  const role = await requireRole(db, { workspaceId: args.workspaceId, userId: args.userId }, ["admin", "member", "owner"], "ask for credits");
  if (role === "owner") throw invalid("You own this workspace: buy a top-up or change plans on the Billing page.");
  const account = await getActingAccount(db, args);
  // Out of one's own limit in a pool, or out of credits altogether.
  const limit = account.type === "pool" && args.kind === "message" ? await memberLimitOf(db, args.workspaceId, args.userId, account.messageAllowance) : null;
  const reason = limit?.limit != null ? ("member_limit" as const) : ("out_of_credits" as const);
  const [ws] = await db.select({ name: workspaces.name, ownerId: workspaces.ownerId }).from(workspaces).where(eq(workspaces.id, args.workspaceId));
  const [me] = await db.select({ name: users.name }).from(users).where(eq(users.id, args.userId));
  const made = await db.transaction(async (tx) => {
    const [row] = await tx.insert(creditRequests).values({ workspaceId: args.workspaceId, userId: args.userId, kind: args.kind, reason, createdAt: now }).onConflictDoNothing().returning();
    if (!row) return null;
    const help = remedy({ accountType: account.type, reason });
    const body = `${me!.name} asks for more ${args.kind} credits in ${ws!.name}${reason === "member_limit" ? " (their limit is used up)" : ""}. You can ${help.words}.`;
    await notify(tx, { userId: ws!.ownerId, workspaceId: args.workspaceId, accountId: account.id, kind: args.kind, cycleStart: now, body, dedupeKey: `request:${row.id}`, href: help.path }, now);
    await queueMailToUser(tx, ws!.ownerId, { key: `request:${row.id}`, workspaceId: args.workspaceId, subject: `${me!.name} asks for more ${args.kind} credits`, text: `${body}\n\n${appLink(help.path)}\n\nWhen it is handled, mark the request done on ${appLink("/settings/members")}.` }, now);
    return row;
  });
  afterCommit([ws!.ownerId, args.userId]);
  if (made) return made;
  const [open] = await db.select().from(creditRequests).where(and(eq(creditRequests.workspaceId, args.workspaceId), eq(creditRequests.userId, args.userId), eq(creditRequests.status, "open")));
  return open!;
}

/** The member's latest request in the last 30 days (open, or answered), for their pages. */
export async function latestRequest(db: Db, workspaceId: string, userId: string, now = new Date()): Promise<CreditRequest | null> {
  const [row] = await db
    .select()
    .from(creditRequests)
    .where(and(eq(creditRequests.workspaceId, workspaceId), eq(creditRequests.userId, userId), gt(creditRequests.createdAt, new Date(now.getTime() - 30 * 86_400_000))))
    .orderBy(desc(creditRequests.createdAt))
    .limit(1);
  return row ?? null;
}

/** Open requests of a workspace, oldest first, with who asked (owners and admins). */
export async function openRequests(db: Db, workspaceId: string, viewerId: string) {
  await requireRole(db, { workspaceId, userId: viewerId }, ["owner", "admin"], "see requests for credits");
  return db
    .select({ request: creditRequests, name: users.name, email: users.email })
    .from(creditRequests)
    .innerJoin(users, eq(users.id, creditRequests.userId))
    .innerJoin(memberships, and(eq(memberships.workspaceId, creditRequests.workspaceId), eq(memberships.userId, creditRequests.userId)))
    .where(and(eq(creditRequests.workspaceId, workspaceId), inArray(creditRequests.status, ["open"])))
    .orderBy(creditRequests.createdAt);
}

/** The owner (or an admin) answers: done (they gave more) or declined; the member is told. Once. */
export async function answerRequest(db: Db, args: { requestId: string; byUserId: string; answer: "done" | "declined" }, now: Date): Promise<CreditRequest> {
  const [req] = await db.select().from(creditRequests).where(eq(creditRequests.id, args.requestId));
  if (!req) throw notFound("Request");
  await requireRole(db, { workspaceId: req.workspaceId, userId: args.byUserId }, ["owner", "admin"], "answer requests for credits");
  if (req.userId === args.byUserId) throw invalid("Someone else answers your own request.");
  const answered = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(creditRequests)
      .set({ status: args.answer, answeredAt: now, answeredBy: args.byUserId })
      .where(and(eq(creditRequests.id, req.id), eq(creditRequests.status, "open")))
      .returning();
    if (!row) throw invalid("This request was already answered.");
    const [by] = await tx.select({ name: users.name }).from(users).where(eq(users.id, args.byUserId));
    const account = await getActingAccount(tx, { workspaceId: req.workspaceId, userId: req.userId });
    const body =
      args.answer === "done"
        ? `${by!.name} answered your request for more ${req.kind} credits: you can carry on.`
        : `${by!.name} declined your request for more ${req.kind} credits for now.`;
    await notify(tx, { userId: req.userId, workspaceId: req.workspaceId, accountId: account.id, kind: req.kind === "integration" ? "integration" : "message", cycleStart: now, body, dedupeKey: `request-answer:${req.id}`, href: "/settings/workspace" }, now);
    return row;
  });
  afterCommit([req.userId]);
  return answered;
}
