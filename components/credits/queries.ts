"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";

export interface BalanceJson {
  allowance: number;
  used: number;
  remaining: number;
  cycleStart: string;
  cycleEnd: string;
  topUp: { remaining: number; nextExpiresAt: string | null };
  available: number;
  /** At the last 7 days' pace (credits a day): when it runs out before the reset, or null. */
  forecast?: { runsOutAt: string | null; basis: { windowDays: number; perDay: number } };
}

/** A member's own limit in a shared pool (credits): what they may still spend of it this cycle. */
export interface LimitJson {
  limit: number;
  isDefault: boolean;
  used: number;
  remaining: number;
}

export interface NotificationJson {
  id: string;
  body: string;
  kind: string;
  threshold: number;
  createdAt: string;
  read: boolean;
  href: string | null;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`Could not load (${res.status}).`);
  return (await res.json()) as T;
}

export const balanceKey = (workspaceId: string) => ["balance", workspaceId] as const;
export const notificationsKey = ["notifications"] as const;

/** The signed-in member's balances in a workspace, from GET /api/v1/balance. */
export function useBalance(workspaceId: string) {
  return useQuery({
    queryKey: balanceKey(workspaceId),
    queryFn: () => getJson<{ accountType: "seat" | "free" | "pool"; message: BalanceJson; integration: BalanceJson; limit: LimitJson | null; request: { status: "open" | "done" | "declined"; kind: string; createdAt: string } | null }>(`/api/v1/balance?workspace=${encodeURIComponent(workspaceId)}`),
  });
}

export function useNotifications() {
  return useQuery({
    queryKey: notificationsKey,
    queryFn: () => getJson<{ unread: number; items: NotificationJson[] }>("/api/notifications"),
  });
}

/** After any action that may spend credits: refetch balances and notices now, not on a poll. */
export function useRefreshCredits() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ["balance"] }),
      client.invalidateQueries({ queryKey: notificationsKey }),
    ]);
}
