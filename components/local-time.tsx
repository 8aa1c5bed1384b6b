"use client";

import { useHydrated } from "./use-hydrated";

/**
 * A date in the viewer's own time zone. The server does not know that zone, so the server
 * render shows UTC and the browser replaces it with local time after hydration.
 */
export function LocalTime({ iso, withTime = true }: { iso: string; withTime?: boolean }) {
  const hydrated = useHydrated();
  return <time dateTime={iso}>{formatInZone(iso, withTime, hydrated ? undefined : "UTC")}</time>;
}

export function formatInZone(iso: string, withTime: boolean, timeZone: string | undefined) {
  return new Intl.DateTimeFormat("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    ...(withTime ? { hour: "numeric", minute: "2-digit", timeZoneName: "short" } : {}),
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}
