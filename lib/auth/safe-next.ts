/**
 * Where to go after signing in: a path on this site only, never another origin. The value is
 * parsed as a URL the way a browser will read it (tabs and newlines dropped, backslashes as
 * slashes), so "/\t/evil.example" and "/\\evil.example" are seen for what they are.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/")) return "/";
  const base = "http://this-site.invalid";
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return "/";
  }
  if (url.origin !== base) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
