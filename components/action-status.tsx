import { Alert } from "./ui/alert";

/** What an action just did (or why it could not), announced to screen readers. */
export function ActionStatus({ status }: { status: { tone: "info" | "error"; text: string } | null }) {
  return <div aria-live="polite">{status ? <Alert tone={status.tone}>{status.text}</Alert> : null}</div>;
}
