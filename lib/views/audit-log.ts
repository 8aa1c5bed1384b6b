import { inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { creditAccounts, plans, users } from "@/db/schema";
import { listAudit } from "@/lib/workspaces/audit";
import type { Role } from "@/lib/workspaces/roles";

type Details = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : null);

/**
 * One audit entry in words a person reads ("Moved the Pro seat from Linus Torvalds to Ken
 * Thompson"): names for ids, plan names for plan ids. A date in it (when a scheduled change
 * applies) is returned apart, for the page to show in the viewer's time zone.
 */
function sentence(action: string, d: Details, seatPlanHolder: { plan: string; holder: string | null } | null, name: (id: unknown) => string, plan: (id: unknown) => string) {
  const whose = seatPlanHolder?.holder ? `${seatPlanHolder.holder}'s` : "an unassigned";
  const seat = seatPlanHolder ? `${whose} ${seatPlanHolder.plan} seat` : "a seat";
  switch (action) {
    case "seat.added":
      return `Added a ${plan(d.plan)} seat${d.holderUserId ? ` for ${name(d.holderUserId)}` : ", not yet assigned"}`;
    case "seat.assigned":
      return `Gave the ${plan(d.plan)} seat to ${name(d.toUserId)}`;
    case "seat.transferred":
      return `Moved the ${plan(d.plan)} seat from ${name(d.fromUserId)} to ${name(d.toUserId)}`;
    case "seat.removal_scheduled":
      return `Scheduled the removal of ${seat}`;
    case "seat.removed":
      return `Removed ${seat}, as scheduled`;
    case "plan.upgraded":
      return `Upgraded ${seat.replace(/ \w+ seat$/, " seat")} from ${plan(d.from)} to ${plan(d.to)}`;
    case "plan.downgrade_scheduled":
      return `Scheduled ${seat} to move down to ${plan(d.to)}`;
    case "plan.downgraded":
      return `Moved ${seat} down to ${plan(d.to)}, as scheduled`;
    case "plan.cancel_scheduled":
      return `Cancelled the paid plan for ${seat}`;
    case "plan.cancelled":
      return `Ended ${seat} with the plan's cancellation`;
    case "plan.change_undone":
      return `Took back the pending ${d.kind === "downgrade" ? "downgrade" : d.kind === "cancel" ? "cancellation" : "removal"} of ${seat}`;
    case "member.added":
    case "member.invited":
      return `Invited ${str(d.email) ?? "someone"} as ${d.role === "admin" ? "an admin" : "a member"}`;
    case "member.invitation_revoked":
      return `Revoked the invitation for ${str(d.email) ?? "someone"}`;
    case "member.joined":
      return `Joined as ${d.role === "admin" ? "an admin" : "a member"}`;
    case "member.removed":
      return `Removed a member${Array.isArray(d.appsToOwner) && d.appsToOwner.length ? `; their apps (${d.appsToOwner.join(", ")}) passed to the owner` : ""}`;
    case "member.role_changed":
      return `Made ${name(d.userId)} ${d.to === "admin" ? "an admin" : "a member"} (was ${d.from === "admin" ? "an admin" : "a member"})`;
    case "app.created":
      return `Created the app ${str(d.name) ?? ""}`;
    case "app.owner_changed":
      return `${str(d.app) ?? "An app"} passed from ${name(d.fromUserId)} to ${name(d.toUserId)}`;
    case "app.cap_changed":
      return `Changed ${str(d.app) ?? "an app"}'s integration cap from ${str(d.from)} to ${str(d.to)}`;
    case "app_key.created":
      return `Created the app key ${str(d.prefix) ?? ""}…`;
    case "app_key.revoked":
      return `Revoked the app key ${str(d.prefix) ?? ""}…`;
    case "top_up.bought":
    case "top_up.auto_bought":
      return `${action === "top_up.auto_bought" ? "Auto top-up bought" : "Bought"} ${str(d.credits) ?? ""} ${str(d.kind) ?? ""} credits for ${seat}`;
    case "top_up.granted":
      return `Support granted ${str(d.credits) ?? ""} ${str(d.kind) ?? ""} credits to ${seat}: ${str(d.reason) ?? ""}`;
    case "top_up.moved":
      return `Moved paused top-ups to ${seat}`;
    case "top_up.auto_changed":
      return d.switchedOff ? `Switched off auto top-up of ${str(d.kind)} credits for ${seat}` : `Set auto top-up of ${str(d.kind)} credits for ${seat}: below ${str(d.below)}, ${d.packs} pack(s), at most ${d.atMostPerCycle} a cycle`;
    default:
      return action;
  }
}

/** Settings → Audit log: for owners and admins; members are told it is not theirs to see. */
export async function getAuditLogView(db: Db, { workspaceId, userId, role }: { workspaceId: string; userId: string; role: Role }) {
  if (role === "member") return { visible: false as const };
  const rows = await listAudit(db, { workspaceId, viewerId: userId });
  const userIds = new Set<string>();
  const seatIds = new Set<string>();
  for (const r of rows) {
    for (const k of ["holderUserId", "fromUserId", "toUserId"]) if (typeof r.details[k] === "string") userIds.add(r.details[k] as string);
    if (r.targetType === "user" && r.targetId) userIds.add(r.targetId);
    if (r.targetType === "seat" && r.targetId) seatIds.add(r.targetId);
  }
  const people = userIds.size ? await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, [...userIds])) : [];
  const seats = seatIds.size
    ? await db.select({ id: creditAccounts.id, planId: creditAccounts.planId, holder: creditAccounts.holderUserId }).from(creditAccounts).where(inArray(creditAccounts.id, [...seatIds]))
    : [];
  const seatHolders = seats.map((s) => s.holder).filter((h): h is string => !!h && !userIds.has(h));
  const more = seatHolders.length ? await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, seatHolders)) : [];
  const names = new Map([...people, ...more].map((p) => [p.id, p.name]));
  const planNames = new Map((await db.select({ id: plans.id, name: plans.name }).from(plans)).map((p) => [p.id, p.name]));
  const name = (id: unknown) => (typeof id === "string" ? (names.get(id) ?? "a former member") : "nobody");
  const plan = (id: unknown) => (typeof id === "string" ? (planNames.get(id) ?? id) : "no");
  const seatById = new Map(seats.map((s) => [s.id, { plan: plan(s.planId), holder: s.holder ? (names.get(s.holder) ?? null) : null }]));
  return {
    visible: true as const,
    rows: rows.map((r) => ({
      id: r.id,
      createdAt: r.createdAt,
      who: r.actorName ?? "Credits (on schedule)",
      what: sentence(r.action, { ...r.details, userId: r.targetType === "user" ? r.targetId : undefined }, r.targetType === "seat" && r.targetId ? (seatById.get(r.targetId) ?? null) : null, name, plan),
      /** When a scheduled change takes effect: shown in the viewer's zone. */
      effectiveAt: typeof r.details.effectiveAt === "string" ? r.details.effectiveAt : null,
    })),
  };
}
