import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";
import { eq } from "drizzle-orm";
import { apps } from "@/db/schema";
import { seedDemoIfEmpty } from "@/lib/demo-data";
import { freshDatabase, startServer } from "@/tests/support/server";

/**
 * First-load JavaScript of Settings → Workspace and the editor: the scripts the server's HTML
 * asks for, gzipped as `next start` serves them; and everything loaded once the page is idle
 * (the chart library arrives lazily, after first load).
 */
export async function pageWeight() {
  const db = await freshDatabase();
  await seedDemoIfEmpty(db.handle.db, new Date());
  const [storefront] = await db.handle.db.select().from(apps).where(eq(apps.name, "Storefront"));
  const server = await startServer(db.url, 3803);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.base}/sign-in`);
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill("credits-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.base}/`);
    const firstLoadKbGzip: Record<string, number> = {};
    const afterIdleKbGzip: Record<string, number> = {};
    for (const [name, url] of [
      ["settings-workspace", "/settings/workspace"],
      ["editor", `/apps/${storefront!.id}/editor`],
    ] as const) {
      const loaded = new Map<string, number>();
      page.on("response", async (res) => {
        if (res.request().resourceType() === "script") loaded.set(res.url(), gzipSync(await res.body().catch(() => Buffer.alloc(0))).length);
      });
      await page.goto(server.base + url, { waitUntil: "networkidle" });
      const html = await (await page.request.get(server.base + url)).text();
      const initial = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => new URL(m[1]!, server.base).toString());
      let first = 0;
      for (const src of new Set(initial)) first += loaded.get(src) ?? gzipSync(await (await page.request.get(src)).body()).length;
      firstLoadKbGzip[name] = Number((first / 1024).toFixed(1));
      afterIdleKbGzip[name] = Number(([...loaded.values()].reduce((a, b) => a + b, 0) / 1024).toFixed(1));
      page.removeAllListeners("response");
    }
    return { firstLoadKbGzip, afterIdleKbGzip, target: "first load ≤ 250 KB gzipped per page" };
  } finally {
    await browser.close();
    await server.stop();
    await db.drop();
  }
}
