import { jsonError } from "@/lib/api/http";
import { getSessionUser } from "@/lib/auth/session";
import { onChange } from "@/lib/events";

/**
 * Server-sent events for the signed-in person: "credits" whenever their balances may have
 * changed, from whichever process changed them (see lib/events.ts). Pages then refetch.
 */
export async function GET(req: Request) {
  const user = await getSessionUser();
  if (!user) return jsonError(401, "unauthorized", "Sign in to receive updates.");
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
      stop = () => {
        off();
        clearInterval(ping);
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
}
