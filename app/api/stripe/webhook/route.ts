import { NextResponse } from "next/server";
import { HttpError, readText } from "@/lib/api/http";
import { getDb } from "@/lib/db";
import { handleStripeWebhook, MAX_EVENT_BYTES } from "@/lib/billing/drive/stripe-webhook";

/**
 * Stripe's events (Dashboard → Developers → Webhooks, or `stripe listen --forward-to
 * localhost:3000/api/stripe/webhook`). The body is read raw: the signature covers its bytes.
 */
export async function POST(request: Request) {
  let raw: string;
  try {
    // Bounded before anything else: no one makes us read (or hash) a body of any size.
    raw = await readText(request, MAX_EVENT_BYTES);
  } catch (err) {
    if (err instanceof HttpError) return NextResponse.json({ message: err.message }, { status: err.status });
    throw err;
  }
  try {
    const r = await handleStripeWebhook(await getDb(), raw, request.headers.get("stripe-signature"));
    return NextResponse.json({ message: r.message }, { status: r.status, headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    console.error("stripe webhook:", err);
    // Stripe delivers it again later; handling is idempotent by event id and by decision.
    return NextResponse.json({ message: "Could not handle the event now." }, { status: 500 });
  }
}
