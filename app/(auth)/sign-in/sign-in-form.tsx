"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useAction } from "@/components/use-action";
import { useHydrated } from "@/components/use-hydrated";
import { safeNext } from "@/lib/auth/safe-next";
import { signInWithPassword } from "@/lib/auth/sign-in-with-password";

export function SignInForm() {
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const { pending, result, onSubmit } = useAction();
  const hydrated = useHydrated();
  const signedIn = result?.ok === true;

  return (
    <form
      method="post"
      onSubmit={onSubmit(signInWithPassword, {
        then: (r) => {
          if (!r.ok) return;
          router.replace(next);
          router.refresh();
        },
      })}
      className="space-y-4"
      noValidate
    >
      {result && !result.ok ? <Alert>{result.error}</Alert> : null}
      <Field label="Email" name="email" type="email" autoComplete="email" required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <Button type="submit" disabled={pending || signedIn || !hydrated} className="w-full">
        {pending || signedIn ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
