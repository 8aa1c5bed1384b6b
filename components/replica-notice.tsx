import { LocalTime } from "@/components/local-time";

/** Said above what a lagging read replica served: how recent it is, in the viewer's time zone. */
export function AsOfNotice({ asOf, what }: { asOf: Date | null; what: string }) {
  if (!asOf) return null;
  return (
    <p role="note" data-testid="as-of" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:bg-amber-950 dark:text-amber-100">
      {what} as of <LocalTime iso={asOf.toISOString()} />: the newest changes are still on their way here.
    </p>
  );
}
