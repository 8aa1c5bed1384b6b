import { cookies } from "next/headers";
import { primaryPosition } from "@/lib/db";

/** The cookie that carries where the primary stood after the person's own last change. */
export const WROTE_COOKIE = "credits-wrote-at";

/** After the person's own change: where the primary stood, so their next dashboard reads wait for the replica to have it. */
export async function rememberWritePosition(): Promise<void> {
  const lsn = await primaryPosition();
  if (lsn) (await cookies()).set(WROTE_COOKIE, lsn, { httpOnly: true, sameSite: "lax", path: "/", maxAge: 60 * 10 });
}
