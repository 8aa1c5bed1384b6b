"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { notificationsKey } from "./queries";

/**
 * Keeps the page current when credits change elsewhere (a teammate running your app, the
 * published app calling the API, another tab): the server pushes an event, the balances and
 * notices are refetched, and server-rendered numbers are re-rendered. Without the stream (an
 * old proxy, a drop) the queries still refetch when the window regains focus.
 */
export function LiveCredits() {
  const client = useQueryClient();
  const router = useRouter();
  useEffect(() => {
    const source = new EventSource("/api/events");
    let timer: ReturnType<typeof setTimeout> | undefined;
    source.addEventListener("credits", () => {
      void client.invalidateQueries({ queryKey: ["balance"] });
      void client.invalidateQueries({ queryKey: notificationsKey });
      // Several changes in a burst: one re-render of the server parts.
      clearTimeout(timer);
      timer = setTimeout(() => router.refresh(), 300);
    });
    // The session ended (signed out here or elsewhere): stop, and let the page take the person
    // to sign-in instead of reconnecting with a dead session.
    source.addEventListener("signed-out", () => {
      source.close();
      router.refresh();
    });
    return () => {
      clearTimeout(timer);
      source.close();
    };
  }, [client, router]);
  return null;
}
