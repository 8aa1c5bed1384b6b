import { apiRoute } from "@/lib/api/route";
import { getDecision, providerKey } from "@/lib/billing/decisions/queries";
import { confirmationUrl } from "@/lib/billing/payments/stripe";
import { notFound } from "@/lib/errors";
import { appLink } from "@/lib/mail";
import { requireRole } from "@/lib/workspaces/roles";

/**
 * "Confirm payment" (from the notice, the email or the payment history): sends the owner to their
 * bank's check for a payment that waits on them; one that no longer does goes to its receipt.
 */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "required", signInMessage: "Sign in to confirm the payment." }, async (req, { db, user }) => {
  const id = new URL(req.url).pathname.split("/").at(-1)!;
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("Payment");
  const d = await getDecision(db, id);
  await requireRole(db, { workspaceId: d.workspaceId, userId: user!.id }, ["owner"], "confirm payments");
  const done = appLink(`/settings/billing/confirm/${id}/done`);
  const to = d.status === "paying" && d.needsActionAt ? await confirmationUrl(db, providerKey(d), d.workspaceId, done) : done;
  return Response.redirect(to, 303);
});
