"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * A date in the viewer's own time zone. The server does not know that zone, so the server
 * render shows UTC and the browser replaces it with local time after hydration.
 */
export function LocalTime({ iso, withTime = true }: { iso: string; withTime?: boolean }) {
  const text = useSyncExternalStore(
    subscribe,
    () => format(iso, withTime, undefined),
    () => format(iso, withTime, "UTC"),
  );
  return <time dateTime={iso}>{text}</time>;
}

function format(iso: string, withTime: boolean, timeZone: string | undefined) {
  return new Intl.DateTimeFormat("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    ...(withTime ? { hour: "numeric", minute: "2-digit", timeZoneName: "short" } : {}),
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}
