"use client";

import { signIn } from "next-auth/react";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { useHydrated } from "@/components/use-hydrated";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { safeNext } from "@/lib/auth/safe-next";
import type { ActionResult } from "@/lib/action";
import { signUpAction } from "./actions";

export function SignUpForm() {
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const [result, setResult] = useState<ActionResult<{ email: string }> | null>(null);
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    const res = await signUpAction(null, form);
    setResult(res);
    if (!res.ok) {
      setPending(false);
      return;
    }
    const signedIn = await signIn("credentials", {
      email: res.data.email,
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    if (signedIn?.ok && !signedIn.error) {
      router.replace(next);
      router.refresh();
    } else {
      router.replace("/sign-in");
    }
  }

  const fieldError = (name: string) => (result && !result.ok ? result.fieldErrors?.[name]?.[0] : undefined);

  return (
    <form method="post" onSubmit={onSubmit} className="space-y-4" noValidate>
      {result && !result.ok ? <Alert>{result.error}</Alert> : null}
      <Field label="Name" name="name" autoComplete="name" required error={fieldError("name")} />
      <Field label="Email" name="email" type="email" autoComplete="email" required error={fieldError("email")} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={8}
        required
        error={fieldError("password")}
      />
      <Button type="submit" disabled={pending || !hydrated} className="w-full">
        {pending ? "Creating your account…" : "Create account"}
      </Button>
    </form>
  );
}
