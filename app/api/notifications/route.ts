import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/api/route";
import { listNotifications } from "@/lib/notifications";

/** The signed-in person's notices, for the bell in the top bar. */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "required", signInMessage: "Sign in to see your notifications." }, async (_req, { db, user }) => {
  const { unread, items } = await listNotifications(db, user!.id);
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
});
