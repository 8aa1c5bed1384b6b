import { apiRoute } from "@/lib/api/route";
import { saveCardFromSession } from "@/lib/billing/payments/stripe";
import { appLink } from "@/lib/mail";

/** Where Stripe's Checkout returns the owner after saving a card: saved at once (the webhook says the same later). */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "required", workspace: true, signInMessage: "Sign in to save a card." }, async (req, { db, workspace }) => {
  const sessionId = new URL(req.url).searchParams.get("session_id");
  const saved = sessionId && /^cs_[A-Za-z0-9_]+$/.test(sessionId) ? await saveCardFromSession(db, sessionId, workspace!.workspaceId) : null;
  // The public URL (NEXTAUTH_URL): behind `next start` the request's own URL names localhost.
  return Response.redirect(appLink(`/settings/billing?card=${saved ? "saved" : "not-saved"}#payment-method`), 303);
});
