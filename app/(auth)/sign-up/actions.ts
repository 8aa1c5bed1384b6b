"use server";

import { z } from "zod";
import { publicAction, UserError } from "@/lib/action";
import { plainText } from "@/lib/validation";
import { createUser, EmailTakenError } from "@/lib/auth/users";

const signUpSchema = z.object({
  name: plainText(z.string().trim().min(1, "Enter your name.").max(100, "Use at most 100 characters.")),
  email: z.string().trim().max(320).email("Enter a valid email address."),
  password: z
    .string()
    .min(8, "Use at least 8 characters.")
    .max(200, "Use at most 200 characters."),
});

export const signUpAction = publicAction(signUpSchema, async (input, { db }) => {
  try {
    const { user } = await createUser(db, input, new Date());
    return { email: user.email };
  } catch (err) {
    if (err instanceof EmailTakenError) throw new UserError(err.message, { email: [err.message] });
    throw err;
  }
});
