import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/lib/db";
import { RATE_LIMITED } from "./codes";
import { authSecret } from "./secret";
import { recordSignInFailure, signInAllowed } from "./rate-limit";
import { normalizeEmail, verifyCredentials } from "./users";


const credentials = z.object({
  email: z.string().trim().email().max(320),
  password: z.string().min(1).max(200),
});

export function authOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/sign-in" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        async authorize(raw, req) {
          const parsed = credentials.safeParse(raw);
          if (!parsed.success) return null;
          const db = await getDb();
          const now = new Date();
          const email = normalizeEmail(parsed.data.email);
          const forwarded = req?.headers?.["x-forwarded-for"];
          const ip = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim() || null;
          // Checked before the password, so guessing stops once the limit is reached.
          if (!(await signInAllowed(db, { email, ip }, now))) throw new Error(RATE_LIMITED);
          const user = await verifyCredentials(db, email, parsed.data.password);
          if (!user) await recordSignInFailure(db, { email, ip }, now);
          return user ? { id: user.id, email: user.email, name: user.name } : null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) token.sub = user.id;
        return token;
      },
      session({ session, token }) {
        if (session.user && token.sub) session.user.id = token.sub;
        return session;
      },
    },
  };
}
