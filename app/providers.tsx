"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { ViewerZoneProvider } from "@/components/local-time";

export function Providers({ children, timeZone }: { children: ReactNode; timeZone: string }) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000 } } }));
  useEffect(() => {
    // Lets server-rendered pages group days in the viewer's own time zone.
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz) document.cookie = `tz=${encodeURIComponent(tz)}; path=/; max-age=31536000; samesite=lax`;
  }, []);
  return (
    <QueryClientProvider client={client}>
      <ViewerZoneProvider timeZone={timeZone}>{children}</ViewerZoneProvider>
    </QueryClientProvider>
  );
}
