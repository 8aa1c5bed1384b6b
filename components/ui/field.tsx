import type { InputHTMLAttributes, SelectHTMLAttributes } from "react";
import { useId } from "react";

/** A labelled input with its error message tied to it for screen readers. */
export function Field({
  label,
  error,
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string }) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        className="block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/40 focus:outline-none aria-invalid:border-red-500 dark:border-zinc-700 dark:bg-zinc-900"
        {...props}
      />
      {error ? (
        <p id={errorId} className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The look of a compact native select, shared by the settings forms. */
export const selectClass = "max-w-full rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-950";

/**
 * A labelled native select. `hideLabel` keeps the label for screen readers only, where the
 * row it sits in already says what it is for.
 */
export function SelectField({
  label,
  hideLabel = false,
  options,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; hideLabel?: boolean; options: { value: string; label: string }[] }) {
  const id = useId();
  const select = (
    <select id={id} className={selectClass} {...props}>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
  if (hideLabel) {
    return (
      <>
        <label htmlFor={id} className="sr-only">
          {label}
        </label>
        {select}
      </>
    );
  }
  return (
    <div className="max-w-full space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {select}
    </div>
  );
}
