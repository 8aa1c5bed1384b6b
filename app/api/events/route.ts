import { jsonError } from "@/lib/api/http";
import { apiRoute } from "@/lib/api/route";
import { getSession } from "@/lib/auth/session";
import { onChange } from "@/lib/events";

/** How often an open stream checks that its session still stands (signed out, revoked). */
const SESSION_CHECK_MS = 2_000;

/**
 * Server-sent events for the signed-in person: "credits" whenever their balances may have
 * changed, from whichever process changed them (see lib/events.ts). Pages then refetch. The
 * stream ends within seconds of its session ending.
 */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = apiRoute("GET", { session: "none", deadline: false }, async (req) => {
  const session = await getSession();
  if (!session) return jsonError(401, "unauthorized", "Sign in to receive updates.");
  const { user } = session;
  const encoder = new TextEncoder();
  let stop = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      // How long the browser waits before reconnecting after a drop.
      send("retry: 3000\n\n");
      const off = onChange((change) => {
        if (change.userIds.includes(user.id)) send("event: credits\ndata: {}\n\n");
      });
      // A comment now and then keeps proxies from closing an idle stream.
      const ping = setInterval(() => send(": ping\n\n"), 25_000);
      const check = setInterval(() => {
        session.stillValid().then(
          (valid) => {
            if (!valid) {
              // Tell the page not to reconnect with a dead session, then end.
              send("event: signed-out\ndata: {}\n\n");
              stop();
            }
          },
          () => {},
        );
      }, SESSION_CHECK_MS);
      stop = () => {
        off();
        clearInterval(ping);
        clearInterval(check);
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      req.signal.addEventListener("abort", stop);
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" },
  });
});
