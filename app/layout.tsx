import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";
import { Providers } from "./providers";
import { cookies } from "next/headers";
import { safeTimeZone } from "@/lib/format/time";

export const metadata: Metadata = {
  title: { default: "Credits", template: "%s · Credits" },
  description: "Message and integration credits for your workspace",
  icons: { icon: [{ url: "/favicon.ico", sizes: "any" }, { url: "/icon.svg", type: "image/svg+xml" }] },
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const timeZone = safeTimeZone((await cookies()).get("tz")?.value);
  return (
    <html lang="en">
      <body>
        <Providers timeZone={timeZone}>{children}</Providers>
      </body>
    </html>
  );
}
