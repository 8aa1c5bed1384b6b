"use client";

import { useState, type ReactNode } from "react";
import { Button } from "./button";

/**
 * Copies a text and says so beside the button (read out too). Where the browser refuses the
 * clipboard (an insecure origin, a denied permission), it says to copy the text by hand.
 */
export function CopyButton({ text, children, className = "py-1" }: { text: string; children: ReactNode; className?: string }) {
  const [said, setSaid] = useState<string | null>(null);
  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      setSaid("Copied.");
    } catch {
      setSaid("Could not copy here: select the text and copy it.");
    }
  }
  return (
    <span className="inline-flex items-center gap-2">
      <Button type="button" variant="secondary" className={className} onClick={() => void copy()}>
        {children}
      </Button>
      <span role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
        {said}
      </span>
    </span>
  );
}
