"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/** False in the server render and until hydration, then true: for controls that need JavaScript. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
