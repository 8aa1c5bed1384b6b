import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/lib/db";
import { RATE_LIMITED } from "./codes";
import { authSecret } from "@/lib/secret";
import { claimSignInTry, clearSignInTry, clientAddress } from "./rate-limit";
import { endSession, startSession } from "./sessions";
import { env } from "@/lib/env";
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
          const ip = clientAddress(Array.isArray(forwarded) ? forwarded.join(",") : forwarded, env().TRUSTED_PROXY);
          // A try is claimed before the password is checked, so guessing stops at the limit.
          const tryId = await claimSignInTry(db, { email, ip }, now);
          if (tryId === null) throw new Error(RATE_LIMITED);
          const user = await verifyCredentials(db, email, parsed.data.password);
          if (!user) return null;
          await clearSignInTry(db, tryId);
          return { id: user.id, email: user.email, name: user.name };
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        // At sign-in: a server-side session, whose id the token carries from now on.
        if (user) {
          token.sub = user.id;
          token.sid = await startSession(await getDb(), user.id, new Date());
        }
        return token;
      },
      session({ session, token }) {
        if (session.user && token.sub) session.user.id = token.sub;
        if (session.user && typeof token.sid === "string") session.user.sid = token.sid;
        return session;
      },
    },
    events: {
      // Signing out ends the session on the server too: a copied cookie stops working.
      async signOut({ token }) {
        if (typeof token?.sid === "string") await endSession(await getDb(), token.sid, new Date());
      },
    },
  };
}
