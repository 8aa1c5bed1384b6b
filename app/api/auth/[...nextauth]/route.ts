import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

// next-auth v4's App Router handler; options are built per request so that configuration
// (and the generated development secret) is read at run time, not at build time.
function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(authOptions())(req, ctx);
}

export { handler as GET, handler as POST };
