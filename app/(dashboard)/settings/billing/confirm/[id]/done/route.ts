import { apiRoute } from "@/lib/api/route";
import { getDecision, providerKey } from "@/lib/billing/decisions/queries";
import { configuredProvider } from "@/lib/billing/payments/configured";
import { notFound } from "@/lib/errors";
import { appLink } from "@/lib/mail";
import { requireRole } from "@/lib/workspaces/roles";
import { nudgeDecision } from "@/lib/billing/drive/stripe-webhook";

/** Back from the bank's check: the decision is moved on now (not only when the webhook comes), then its receipt. */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "required", signInMessage: "Sign in to see the payment." }, async (req, { db, user }) => {
  const id = new URL(req.url).pathname.split("/").at(-2)!;
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("Payment");
  const d = await getDecision(db, id);
  await requireRole(db, { workspaceId: d.workspaceId, userId: user!.id }, ["owner"], "confirm payments");
  await nudgeDecision(db, providerKey(d), configuredProvider());
  const after = await getDecision(db, id);
  const to = after.status === "applied" ? `/settings/billing/receipts/${id}` : `/settings/billing?payment=${after.status === "failed" ? "declined" : "waiting"}#payments-title`;
  return Response.redirect(appLink(to), 303);
});
