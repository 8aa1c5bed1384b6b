import { NextResponse } from "next/server";
import { getDb } from "@/lib/db";
import { errorResponse, jsonError } from "@/lib/api/http";
import { listNotifications } from "@/lib/notifications";
import { getSessionUser } from "@/lib/auth/session";

/** The signed-in person's notices, for the bell in the top bar. */
export async function GET() {
  try {
    const user = await getSessionUser();
    if (!user) return jsonError(401, "unauthorized", "Sign in to see your notifications.");
    const { unread, items } = await listNotifications(await getDb(), user.id);
    return NextResponse.json(
      {
        unread,
        items: items.map((n) => ({
          id: n.id,
          body: n.body,
          kind: n.kind,
          threshold: n.threshold,
          createdAt: n.createdAt.toISOString(),
          href: n.href,
          read: n.readAt !== null,
        })),
      },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (err) {
    return errorResponse(err);
  }
}
