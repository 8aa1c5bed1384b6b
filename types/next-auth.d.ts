import type { DefaultSession } from "next-auth";

declare module "next-auth" {
  interface Session {
    /** `sid`: the server-side session the cookie stands for (see lib/auth/sessions.ts). */
    user: { id: string; sid?: string } & DefaultSession["user"];
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    sid?: string;
  }
}
