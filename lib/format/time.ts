/** "in 3 days, 4 hours": the time left until `iso`, from the server's notion of now. */
export function timeUntil(iso: string, now: Date): string {
  const ms = new Date(iso).getTime() - now.getTime();
  if (ms <= 0) return "now";
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = days > 0 ? [plural(days, "day"), plural(hours, "hour")] : hours > 0 ? [plural(hours, "hour"), plural(mins, "minute")] : [plural(Math.max(mins, 1), "minute")];
  return `in ${parts.filter((p) => !p.startsWith("0 ")).join(", ")}`;
}

function plural(n: number, unit: string) {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A time zone name the database and Intl both accept, else UTC. */
export function safeTimeZone(raw: string | undefined): string {
  let tz = raw;
  try {
    tz = raw ? decodeURIComponent(raw) : raw;
  } catch {
    return "UTC";
  }
  if (!tz || tz.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(tz)) return "UTC";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    return "UTC";
  }
}
