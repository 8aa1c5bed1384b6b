"use client";

import { createContext, useContext, type ReactNode } from "react";
import { useHydrated } from "./use-hydrated";

/** The viewer's time zone as the server knows it (a cookie the browser set on an earlier visit). */
const ViewerZone = createContext<string>("UTC");

export function ViewerZoneProvider({ timeZone, children }: { timeZone: string; children: ReactNode }) {
  return <ViewerZone.Provider value={timeZone}>{children}</ViewerZone.Provider>;
}

/**
 * A date in the viewer's own time zone. The server renders it in the zone the browser told it
 * (no flash of UTC once it knows); after hydration the browser's own zone is authoritative.
 */
export function LocalTime({ iso, withTime = true }: { iso: string; withTime?: boolean }) {
  const hydrated = useHydrated();
  const serverZone = useContext(ViewerZone);
  return (
    <time dateTime={iso} suppressHydrationWarning>
      {formatInZone(iso, withTime, hydrated ? undefined : serverZone)}
    </time>
  );
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
