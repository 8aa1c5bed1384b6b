import { NextResponse, type NextRequest } from "next/server";

/**
 * Server actions are POSTs to page paths with a `Next-Action` header. Next.js checks their
 * Origin against X-Forwarded-Host when that header is present — which any client can write.
 * Here the Origin must match the Host the request really came to; X-Forwarded-Host counts only
 * behind a trusted proxy (TRUSTED_PROXY), which is the one that sets it.
 */
export function proxy(request: NextRequest) {
  if (request.method !== "POST" || !request.headers.has("next-action")) return NextResponse.next();
  const origin = request.headers.get("origin");
  if (!origin) return NextResponse.next();
  const trustedProxies = Number(process.env.TRUSTED_PROXY ?? 0) || 0;
  const forwarded = request.headers.get("x-forwarded-host")?.split(",").map((h) => h.trim()).filter(Boolean) ?? [];
  const host = trustedProxies > 0 && forwarded.length > 0 ? forwarded[Math.max(0, forwarded.length - trustedProxies)] : request.headers.get("host");
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    // an Origin that is not a URL matches nothing
  }
  if (originHost && originHost === host) return NextResponse.next();
  return new NextResponse("This form was sent from another site, so it was refused.", { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
}

export const config = {
  // Pages only: the metering API and static files never carry server actions.
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
