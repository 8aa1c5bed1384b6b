import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createHash } from "node:crypto";
import { accountUsage, appKeys, apps, auditLog, invitations, mailOutbox, memberships } from "@/db/schema";
import { authenticateAppKey, createAppKey, revokeAppKey } from "@/lib/apps/keys";
import { createUser } from "@/lib/auth/users";
import { getMemberBalance } from "@/lib/credits/balance";
import { debitCredits } from "@/lib/credits/debit";
import { getBillingView } from "@/lib/views/billing";
import { getMembersView } from "@/lib/views/members";
import { makeApp, makeSeat, team as makeTeam } from "@/tests/support/fixtures";
import { createTestDb } from "@/tests/support/test-db";
import { acceptInvitation, findInvitation, invitationLink, inviteMember, listInvitations, revokeInvitation, SAME_INVITATION_MS } from "./invitations";
import { listMemberships, pickWorkspace } from "./memberships";
import { removeMember } from "./members";

let h: DbHandle & { cleanup(): Promise<void> };
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => h?.cleanup());

const anchor = new Date("2026-07-05T09:00:00.000Z");
const mid = new Date("2026-07-20T12:00:00.000Z");
const tokenOf = (path: string) => path.replace("/invite/", "");

async function team() {
  const t = await makeTeam(h.db, { anchor, adaSeat: "pro", linusSeat: "starter", linusRole: "admin" });
  return { ...t, adaSeat: t.seat, linusSeat: t.linusSeat };
}

describe("removing a member", () => {
  it("passes their apps to the owner, who pays from then on; the removed person is never charged again", async () => {
    const t = await team();
    const app = await makeApp(h.db, t.ws, t.ken, "Ken's app");
    await removeMember(h.db, { workspaceId: t.ws.id, userId: t.ken.id, byUserId: t.ada.id }, mid);
    const [after] = await h.db.select().from(apps).where(eq(apps.id, app.id));
    expect(after!.ownerUserId).toBe(t.ada.id);
    const r = await debitCredits(h.db, { key: `rm:${Math.random()}`, action: "integration.email", workspaceId: t.ws.id, actorUserId: null, appId: app.id }, mid);
    expect(r).toMatchObject({ outcome: "charged", event: { payerAccountId: t.adaSeat.id } });
    const kenUsage = await h.db.select().from(accountUsage).where(eq(accountUsage.accountId, (await getMemberBalance(h.db, { workspaceId: t.ws.id, userId: t.ken.id }, mid)).account.id));
    expect(kenUsage.every((u) => u.integrationUsed === 0)).toBe(true);
    const audit = await h.db.select().from(auditLog).where(and(eq(auditLog.workspaceId, t.ws.id), eq(auditLog.action, "app.owner_changed")));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ app: "Ken's app", fromUserId: t.ken.id, toUserId: t.ada.id });
  });

  it("revokes the invitations they sent", async () => {
    const t = await team();
    const inv = await inviteMember(h.db, { workspaceId: t.ws.id, email: "someone@example.com", role: "member", byUserId: t.linus.id }, mid);
    await removeMember(h.db, { workspaceId: t.ws.id, userId: t.linus.id, byUserId: t.ada.id }, mid);
    expect(await findInvitation(h.db, tokenOf(inv.path), mid)).toBeNull();
  });
});

describe("invitations take consent and reveal nothing", () => {
  it("inviting an email that has an account adds no one, and answers exactly as for an unknown email", async () => {
    const t = await team();
    const { user: grace } = await createUser(h.db, { name: "Grace", email: `grace-${Math.random()}@example.com`, password: "long enough" }, new Date("2026-01-01T00:00:00Z"));
    const known = await inviteMember(h.db, { workspaceId: t.ws.id, email: grace.email, role: "member", byUserId: t.ada.id }, mid);
    const unknown = await inviteMember(h.db, { workspaceId: t.ws.id, email: `nobody-${Math.random()}@example.com`, role: "member", byUserId: t.ada.id }, mid);
    expect(Object.keys(known).sort()).toEqual(Object.keys(unknown).sort());
    expect(JSON.stringify(known)).not.toContain("Grace");
    expect(await h.db.select().from(memberships).where(and(eq(memberships.workspaceId, t.ws.id), eq(memberships.userId, grace.id)))).toHaveLength(0);
  });

  it("accepting joins without changing the workspace the person works in, even when the inviter's workspace is older", async () => {
    const t = await team();
    const { user: grace, workspace: own } = await createUser(h.db, { name: "Grace", email: `grace-${Math.random()}@example.com`, password: "long enough" }, mid);
    const inv = await inviteMember(h.db, { workspaceId: t.ws.id, email: grace.email, role: "member", byUserId: t.ada.id }, mid);
    await acceptInvitation(h.db, { token: tokenOf(inv.path), userId: grace.id }, new Date(mid.getTime() + 60_000));
    const list = await listMemberships(h.db, grace.id);
    expect(list.map((w) => w.workspaceId).sort()).toEqual([own.id, t.ws.id].sort());
    expect(pickWorkspace(list, undefined)!.workspaceId).toBe(own.id);
  });

  it("a link works once, for 7 days, and not after it is revoked", async () => {
    const t = await team();
    const { user: grace } = await createUser(h.db, { name: "Grace", email: `grace-${Math.random()}@example.com`, password: "long enough" }, mid);
    const used = await inviteMember(h.db, { workspaceId: t.ws.id, email: grace.email, role: "member", byUserId: t.ada.id }, mid);
    expect(used.expiresAt.getTime() - mid.getTime()).toBe(7 * 86_400_000);
    await acceptInvitation(h.db, { token: tokenOf(used.path), userId: grace.id }, mid);
    await removeMember(h.db, { workspaceId: t.ws.id, userId: grace.id, byUserId: t.ada.id }, mid);
    await expect(acceptInvitation(h.db, { token: tokenOf(used.path), userId: grace.id }, mid)).rejects.toMatchObject({ code: "not_found" });

    const late = await inviteMember(h.db, { workspaceId: t.ws.id, email: grace.email, role: "member", byUserId: t.ada.id }, mid);
    await expect(acceptInvitation(h.db, { token: tokenOf(late.path), userId: grace.id }, new Date(late.expiresAt.getTime()))).rejects.toMatchObject({ code: "not_found" });

    const revoked = await inviteMember(h.db, { workspaceId: t.ws.id, email: grace.email, role: "member", byUserId: t.ada.id }, mid);
    const [open] = await listInvitations(h.db, { workspaceId: t.ws.id, viewerId: t.linus.id }, mid);
    expect(open).toMatchObject({ email: grace.email, invitedBy: "Ada" });
    await revokeInvitation(h.db, { invitationId: open!.id, byUserId: t.linus.id }, mid);
    await expect(acceptInvitation(h.db, { token: tokenOf(revoked.path), userId: grace.id }, mid)).rejects.toMatchObject({ code: "not_found" });
    expect(await listInvitations(h.db, { workspaceId: t.ws.id, viewerId: t.ada.id }, mid)).toEqual([]);
    await expect(listInvitations(h.db, { workspaceId: t.ws.id, viewerId: t.ken.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
  });

  it("20 invitations to one address at once: one stays open, one email goes; later ones replace it", async () => {
    const t = await team();
    const email = `twenty-${Math.random()}@example.com`;
    const invite = (role: "admin" | "member", at = mid) => inviteMember(h.db, { workspaceId: t.ws.id, email, role, byUserId: t.ada.id }, at);
    const all = await Promise.all(Array.from({ length: 20 }, () => invite("member")));
    // A double click (or twenty): one invitation, one link, one email.
    expect(new Set(all.map((i) => i.path)).size).toBe(1);
    const open = () => h.db.select().from(invitations).where(and(eq(invitations.email, email), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
    expect(await open()).toHaveLength(1);
    const mails = () => h.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
    expect(await mails()).toHaveLength(1);
    // Another role replaces it at once; the same role a minute later too (sent again, on purpose).
    const admin = await invite("admin");
    const later = await invite("admin", new Date(mid.getTime() + SAME_INVITATION_MS));
    expect(new Set([all[0]!.path, admin.path, later.path]).size).toBe(3);
    expect(await open()).toMatchObject([{ role: "admin" }]);
    expect(await mails()).toHaveLength(3);
    await expect(findInvitation(h.db, tokenOf(admin.path), mid)).resolves.toBeNull();
  });

  it("an open invitation's link can be copied again by owners and admins, and is the one sent; never once it is closed", async () => {
    const t = await team();
    const { user: grace } = await createUser(h.db, { name: "Grace", email: `grace-${Math.random()}@example.com`, password: "long enough" }, mid);
    const sent = await inviteMember(h.db, { workspaceId: t.ws.id, email: grace.email, role: "member", byUserId: t.ada.id }, mid);
    const [open] = await listInvitations(h.db, { workspaceId: t.ws.id, viewerId: t.ada.id }, mid);
    // Only the token's hash is stored.
    const [row] = await h.db.select().from(invitations).where(eq(invitations.id, open!.id));
    expect(row!.tokenHash).not.toContain(tokenOf(sent.path));
    expect(await invitationLink(h.db, { invitationId: open!.id, byUserId: t.ada.id }, mid)).toMatchObject({ path: sent.path, renewed: false });
    expect(await invitationLink(h.db, { invitationId: open!.id, byUserId: t.linus.id }, mid)).toMatchObject({ path: sent.path, renewed: false });
    await expect(invitationLink(h.db, { invitationId: open!.id, byUserId: t.ken.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
    await acceptInvitation(h.db, { token: tokenOf(sent.path), userId: grace.id }, mid);
    await expect(invitationLink(h.db, { invitationId: open!.id, byUserId: t.ada.id }, mid)).rejects.toMatchObject({ code: "conflict" });
  });

  it("an invitation whose random token was not kept gets a new link, and the old one stops working", async () => {
    const t = await team();
    const { user: grace } = await createUser(h.db, { name: "Grace", email: `grace-${Math.random()}@example.com`, password: "long enough" }, mid);
    await inviteMember(h.db, { workspaceId: t.ws.id, email: grace.email, role: "member", byUserId: t.ada.id }, mid);
    const [open] = await listInvitations(h.db, { workspaceId: t.ws.id, viewerId: t.ada.id }, mid);
    // As made before links were derived: a random token, only its hash kept.
    const legacy = "legacy-random-token";
    await h.db.update(invitations).set({ tokenHash: createHash("sha256").update(legacy).digest("hex") }).where(eq(invitations.id, open!.id));
    expect(await findInvitation(h.db, legacy, mid)).not.toBeNull();
    const renewed = await invitationLink(h.db, { invitationId: open!.id, byUserId: t.ada.id }, mid);
    expect(renewed.renewed).toBe(true);
    expect(await findInvitation(h.db, legacy, mid)).toBeNull();
    expect(await invitationLink(h.db, { invitationId: open!.id, byUserId: t.ada.id }, mid)).toMatchObject({ path: renewed.path, renewed: false });
    await acceptInvitation(h.db, { token: tokenOf(renewed.path), userId: grace.id }, mid);
  });
});

describe("app keys can be revoked", () => {
  it("a key's last use is kept to the minute: a busy key writes its row once a minute, not once a call", async () => {
    const t = await team();
    const app = await makeApp(h.db, t.ws, t.linus, "Helpdesk");
    const { key, id } = await createAppKey(h.db, app.id, t.linus.id, mid);
    const lastUsed = async () => (await h.db.select({ at: appKeys.lastUsedAt }).from(appKeys).where(eq(appKeys.id, id)))[0]!.at;
    expect(await lastUsed()).toBeNull();
    await authenticateAppKey(h.db, key, mid);
    expect(await lastUsed()).toEqual(mid);
    await authenticateAppKey(h.db, key, new Date(mid.getTime() + 59_000));
    expect(await lastUsed()).toEqual(mid);
    const later = new Date(mid.getTime() + 61_000);
    await authenticateAppKey(h.db, key, later);
    expect(await lastUsed()).toEqual(later);
    // An older time never overwrites a newer one (two processes, clocks apart).
    await h.db.update(appKeys).set({ lastUsedAt: new Date(later.getTime() + 600_000) }).where(eq(appKeys.id, id));
    await authenticateAppKey(h.db, key, new Date(later.getTime() + 120_000));
    expect(await lastUsed()).toEqual(new Date(later.getTime() + 600_000));
  });

  it("a revoked key is refused at once; a plain member cannot revoke a teammate's key", async () => {
    const t = await team();
    const app = await makeApp(h.db, t.ws, t.linus, "Helpdesk");
    const { key, id } = await createAppKey(h.db, app.id, t.linus.id, mid);
    expect(await authenticateAppKey(h.db, key)).not.toBeNull();
    await expect(revokeAppKey(h.db, { keyId: id, byUserId: t.ken.id }, mid)).rejects.toMatchObject({ code: "forbidden" });
    expect(await authenticateAppKey(h.db, key)).not.toBeNull();
    await revokeAppKey(h.db, { keyId: id, byUserId: t.ada.id }, mid);
    expect(await authenticateAppKey(h.db, key)).toBeNull();
    const audit = await h.db.select().from(auditLog).where(and(eq(auditLog.workspaceId, t.ws.id), eq(auditLog.action, "app_key.revoked")));
    expect(audit).toHaveLength(1);
  });
});

describe("who sees what", () => {
  it("a plain member sees their own usage on Members and Billing, nobody else's", async () => {
    const t = await team();
    const kenSeat = await makeSeat(h.db, t.ws, "builder", t.ken.id);
    const members = await getMembersView(h.db, { workspaceId: t.ws.id, userId: t.ken.id }, mid);
    expect(members.rows.find((r) => r.userId === t.ken.id)!.balance).not.toBeNull();
    expect(members.rows.filter((r) => r.userId !== t.ken.id).map((r) => r.balance)).toEqual([null, null, null]); // Ada, Linus and Grace
    expect(members.invitations).toEqual([]);
    const billing = await getBillingView(h.db, { workspaceId: t.ws.id, userId: t.ken.id }, mid);
    expect(billing.seats.find((s) => s.id === kenSeat.id)!.balance).not.toBeNull();
    expect(billing.seats.filter((s) => s.id !== kenSeat.id).map((s) => s.balance)).toEqual([null, null]);
    const asAdmin = await getMembersView(h.db, { workspaceId: t.ws.id, userId: t.linus.id }, mid);
    expect(asAdmin.rows.every((r) => r.balance !== null)).toBe(true);
  });
});
