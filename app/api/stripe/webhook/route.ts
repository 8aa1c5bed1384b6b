import { NextResponse } from "next/server";
import { getDb } from "@/lib/db";
import { handleStripeWebhook } from "@/lib/worker/stripe-webhook";

/**
 * Stripe's events (Dashboard → Developers → Webhooks, or `stripe listen --forward-to
 * localhost:3000/api/stripe/webhook`). The body is read raw: the signature covers its bytes.
 */
export async function POST(request: Request) {
  const raw = await request.text();
  try {
    const r = await handleStripeWebhook(await getDb(), raw, request.headers.get("stripe-signature"));
    return NextResponse.json({ message: r.message }, { status: r.status, headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    console.error("stripe webhook:", err);
    // Stripe delivers it again later; handling is idempotent by event id and by decision.
    return NextResponse.json({ message: "Could not handle the event now." }, { status: 500 });
  }
}
