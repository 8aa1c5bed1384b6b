"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useAction } from "@/components/use-action";
import { useHydrated } from "@/components/use-hydrated";
import type { ActionInput, ActionResult } from "@/lib/action";
import { safeNext } from "@/lib/auth/safe-next";
import { signInWithPassword } from "@/lib/auth/sign-in-with-password";
import { signUpAction } from "./actions";

/** Creates the account, then signs in with the same email and password. */
async function signUpAndSignIn(input: ActionInput): Promise<ActionResult<{ signedIn: boolean }>> {
  const created = await signUpAction(input);
  if (!created.ok) return created;
  const password = input instanceof FormData ? input.get("password") : input.password;
  const signedIn = await signInWithPassword({ email: created.data.email, password });
  return { ok: true, data: { signedIn: signedIn.ok } };
}

export function SignUpForm() {
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const { pending, result, onSubmit, fieldError } = useAction();
  const hydrated = useHydrated();
  const done = result?.ok === true;

  return (
    <form
      method="post"
      onSubmit={onSubmit(signUpAndSignIn, {
        then: (r) => {
          if (!r.ok) return;
          router.replace(r.data.signedIn ? next : "/sign-in");
          router.refresh();
        },
      })}
      className="space-y-4"
      noValidate
    >
      {result && !result.ok ? <Alert>{result.error}</Alert> : null}
      <Field label="Name" name="name" autoComplete="name" required error={fieldError("name")} />
      <Field label="Email" name="email" type="email" autoComplete="email" required error={fieldError("email")} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" minLength={8} required error={fieldError("password")} />
      <Button type="submit" disabled={pending || done || !hydrated} className="w-full">
        {pending || done ? "Creating your account…" : "Create account"}
      </Button>
    </form>
  );
}
