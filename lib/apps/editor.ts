import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, users, type AppDesign } from "@/db/schema";

export type { AppDesign };
import type { AiMode, AiProvider } from "./ai";
import { getAccount, hasTopUps, type KindBalance } from "@/lib/credits/accounts";
import type { Refusal } from "@/lib/credits/debit-request";
import { COSTS, type ActionName, type CreditKind } from "@/lib/credits/costs";
import { debitCredits, reserveCredits } from "@/lib/credits/debit";
import { confirmReservation, releaseReservation } from "@/lib/credits/reservations";
import { beforeDeadline } from "@/lib/deadline";
import { invalid, notFound } from "@/lib/errors";
import { requireRole } from "@/lib/workspaces/roles";

/** What the UI needs to show an "out of credits" refusal: made here, rendered in one component. */
export interface OutOfCredits {
  status: "out_of_credits";
  kind: CreditKind;
  remaining: number;
  needed: number;
  resetsAt: string;
  /** Whose credits ran out: the person themselves, or the app's owner (integrations). */
  payer: "you" | "app_owner";
  /** Not enough credits, the app's own integration cap, or the prompter's limit in a shared pool. */
  refusal: Refusal;
  /** Whether the account that ran out can take top-ups (a paid seat or a pool) or only an upgrade. */
  onSeat: boolean;
  /** The workspace's shared pool paid (or, for a limit, the member's share of it). */
  pool: boolean;
  /** For a cap: the app that reached it and who owns it (who can raise it). */
  app?: { name: string; ownerName: string };
}

export type EditorResult<T> = ({ status: "ok" } & T) | OutOfCredits | { status: "failed"; message: string };

/** The app, if the person is a member of its workspace; "not found" otherwise. */
export async function appForMember(db: Db, appId: string, userId: string) {
  const [app] = await db.select().from(apps).where(eq(apps.id, appId));
  if (!app) throw notFound("App");
  const role = await requireRole(db, { workspaceId: app.workspaceId, userId: userId }, ["owner", "admin", "member"], "open this app");
  return { app, role };
}

function outOfCredits(
  r: { kind: CreditKind; balance: KindBalance; resetsAt: Date; event: { amount: number; payerAccountId: string | null }; refusal: OutOfCredits["refusal"] },
  payer: OutOfCredits["payer"],
  paying: { onSeat: boolean; pool: boolean },
  app?: OutOfCredits["app"],
): OutOfCredits {
  return { status: "out_of_credits", kind: r.kind, remaining: r.balance.available, needed: r.event.amount, resetsAt: r.resetsAt.toISOString(), payer, refusal: r.refusal, ...paying, ...(app ? { app } : {}) };
}

/** The app and its owner's name, for a cap refusal (who can raise the cap). */
async function capHolder(db: Db, app: { name: string; ownerUserId: string }) {
  const [owner] = await db.select({ name: users.name }).from(users).where(eq(users.id, app.ownerUserId));
  return { name: app.name, ownerName: owner?.name ?? "the app's owner" };
}

/** What kind of account paid (or would have): a paid one takes top-ups; a pool is the workspace's. */
async function paying(db: Db, accountId: string | null) {
  const account = accountId ? await getAccount(db, accountId) : null;
  return { onSeat: !!account && hasTopUps(account), pool: account?.type === "pool" };
}

/**
 * A chat message: the prompter's message credits are reserved, the AI is called, and the
 * reservation is confirmed only if it answered. A failure or timeout releases it: no result,
 * no charge.
 */
export async function sendMessage(
  db: Db,
  ai: AiProvider,
  args: { userId: string; appId: string; mode: AiMode; text: string; requestId: string; timeoutMs: number; deadline?: Date },
  clock: () => Date = () => new Date(),
): Promise<EditorResult<{ reply: string; charged: number }>> {
  const text = args.text.trim();
  if (!text) throw invalid("Write a message first.");
  if (text.length > 4000) throw invalid("Keep a message under 4,000 characters.");
  const { app } = await appForMember(db, args.appId, args.userId);
  const action: ActionName = args.mode === "discuss" ? "message.discuss" : "message.implement";
  const held = await reserveCredits(
    db,
    { key: `user:${args.userId}:${args.requestId}`, action, workspaceId: app.workspaceId, actorUserId: args.userId, appId: app.id, deadline: args.deadline },
    clock(),
  );
  if (held.outcome === "refused") return outOfCredits(held, "you", await paying(db, held.event.payerAccountId));
  if (held.replay) return { status: "failed", message: "This message was already sent." };
  const reservationId = held.event.reservationId!;
  let reply: string;
  try {
    reply = await ai.reply({ mode: args.mode, prompt: text, appName: app.name }, AbortSignal.timeout(args.timeoutMs));
  } catch (err) {
    await releaseReservation(db, reservationId, clock());
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      status: "failed",
      message: timedOut
        ? "The AI took too long to answer. You were not charged; try again."
        : "The AI could not answer this time. You were not charged; try again.",
    };
  }
  const charged = await confirmReservation(db, reservationId, clock());
  return { status: "ok", reply, charged: charged.amount };
}

const designFields = ["title", "tagline", "accent"] as const;
export type DesignField = (typeof designFields)[number];

/** A manual edit in the visual editor: free, and still recorded in the ledger. */
export async function applyManualEdit(
  db: Db,
  args: { userId: string; appId: string; field: DesignField; value: string; requestId: string; deadline?: Date },
  now: Date,
): Promise<EditorResult<{ design: AppDesign }>> {
  if (!designFields.includes(args.field)) throw invalid("That part of the app cannot be edited here.");
  const value = args.value.trim();
  if (args.field === "accent" && !/^#[0-9a-f]{6}$/i.test(value)) throw invalid("Pick a colour such as #4f46e5.");
  if (value.length > 120) throw invalid("Keep it under 120 characters.");
  const { app } = await appForMember(db, args.appId, args.userId);
  // The edit and its ledger row commit together. A replay of the same edit changes nothing
  // more; the same request id with another edit is refused, and the app stays as it was.
  return db.transaction(async (tx) => {
    const r = await debitCredits(
      tx,
      { key: `user:${args.userId}:${args.requestId}`, action: "edit.manual", workspaceId: app.workspaceId, actorUserId: args.userId, appId: app.id, details: JSON.stringify([args.field, value]), deadline: args.deadline },
      now,
    );
    const [current] = await tx.select({ design: apps.design }).from(apps).where(eq(apps.id, app.id)).for("update");
    if (r.replay) return { status: "ok" as const, design: current!.design };
    const design = { ...current!.design, [args.field]: value };
    await tx.update(apps).set({ design }).where(eq(apps.id, app.id));
    beforeDeadline(args.deadline);
    return { status: "ok" as const, design };
  });
}

const simulated: Partial<Record<ActionName, string>> = {
  "integration.llm": "The model answered: “Thanks for reaching out — we'll reply within a day.”",
  "integration.image": "An image was generated (1024×1024).",
  "integration.file_upload": "The file was uploaded.",
  "integration.api_call": "The external API answered 200 OK.",
  "integration.email": "The email was sent.",
  "integration.email_custom_domain": "The email was sent from your custom domain.",
};

/** Runs one of the app's integrations: the app's owner pays, whoever runs it. */
export async function runIntegration(
  db: Db,
  args: { userId: string; appId: string; action: ActionName; requestId: string; deadline?: Date },
  now: Date,
): Promise<EditorResult<{ output: string; charged: number; paidByOwner: boolean }>> {
  if (COSTS[args.action]?.kind !== "integration") throw invalid("That is not an integration.");
  const { app } = await appForMember(db, args.appId, args.userId);
  const r = await debitCredits(
    db,
    { key: `user:${args.userId}:${args.requestId}`, action: args.action, workspaceId: app.workspaceId, actorUserId: args.userId, appId: app.id, deadline: args.deadline },
    now,
  );
  if (r.outcome === "refused") {
    return outOfCredits(r, app.ownerUserId === args.userId ? "you" : "app_owner", await paying(db, r.event.payerAccountId), r.refusal === "app_cap_reached" ? await capHolder(db, app) : undefined);
  }
  return { status: "ok", output: simulated[args.action] ?? "Done.", charged: r.event.amount, paidByOwner: app.ownerUserId !== args.userId };
}
