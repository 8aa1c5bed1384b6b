import { z } from "zod";

/**
 * Text that PostgreSQL can store and a person can read: no NUL byte (text columns refuse it),
 * no lone UTF-16 surrogate (not valid Unicode, refused by the UTF-8 encoder), and, unless
 * `multiline`, no other control characters.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const CONTROL_OR_BREAK = /[\u0000-\u001F\u007F]/;

export function plainText(schema: z.ZodString, { multiline = false } = {}) {
  const control = multiline ? CONTROL : CONTROL_OR_BREAK;
  return schema.refine((v) => !LONE_SURROGATE.test(v) && !control.test(v), {
    message: multiline ? "Remove the invisible control characters from this text." : "Use letters, numbers, spaces and punctuation only.",
  });
}
