import { signIn } from "next-auth/react";
import type { ActionInput, ActionResult } from "@/lib/action-result";
import { RATE_LIMITED } from "./codes";

const field = (input: ActionInput, name: string) => String((input instanceof FormData ? input.get(name) : input[name]) ?? "");

/**
 * Signing in, in the shape of a server action (so the sign-in form uses the same hook as every
 * other form). next-auth's sign-in is a client call to its route, not a server action.
 */
export async function signInWithPassword(input: ActionInput): Promise<ActionResult<{ email: string }>> {
  const email = field(input, "email");
  const result = await signIn("credentials", { email, password: field(input, "password"), redirect: false });
  if (result?.ok && !result.error) return { ok: true, data: { email } };
  // Never say whether the email or the password was the wrong part.
  return {
    ok: false,
    error:
      result?.error === RATE_LIMITED
        ? "Too many failed attempts. Wait 15 minutes, then try again."
        : "That email and password don't match an account. Check both and try again.",
  };
}
