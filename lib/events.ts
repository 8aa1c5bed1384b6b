import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { sql } from "drizzle-orm";
import type { DbHandle } from "@/db/client";

/**
 * "Your credits changed": pushed to every open page of the people concerned, whichever app
 * process made the change. A change is emitted here at once for this process's pages and,
 * gathered for a moment, sent to the other processes with PostgreSQL NOTIFY (outside the
 * charge's transaction, so no charge waits for it); each process LISTENs once.
 */
export interface CreditsChange {
  /** The people whose balances may have moved. */
  userIds: string[];
}

const CHANNEL = "credits_changes";
const FLUSH_MS = 150;

interface State {
  emitter: EventEmitter;
  origin: string;
  handle?: () => Promise<DbHandle> | null;
  listening?: Promise<void>;
  pending: Set<string>;
  timer?: NodeJS.Timeout;
}

const g = globalThis as unknown as { creditsEvents?: State };
function state(): State {
  g.creditsEvents ??= { emitter: new EventEmitter().setMaxListeners(0), origin: randomUUID(), pending: new Set() };
  return g.creditsEvents;
}

/**
 * Connects the process's database for NOTIFY and LISTEN (the app does this when it opens its
 * database; tests and CLIs, which open their own, never do, and then changes stay local).
 */
export function connectEvents(handle: () => Promise<DbHandle>) {
  state().handle = handle;
}

/**
 * Called after a commit: says that these people's credits changed (open pages refetch). Cheap,
 * and never throws: a listener that breaks is logged, since nothing after a commit may turn it
 * into an error.
 */
export function afterCommit(userIds: (string | null | undefined)[]) {
  try {
    publishChange(userIds);
  } catch (err) {
    console.warn("could not publish a credits change:", err);
  }
}

function publishChange(userIds: (string | null | undefined)[]) {
  const ids = [...new Set(userIds.filter((u): u is string => !!u))];
  if (ids.length === 0) return;
  const s = state();
  s.emitter.emit("change", { userIds: ids } satisfies CreditsChange);
  if (!s.handle) return;
  for (const id of ids) s.pending.add(id);
  s.timer ??= setTimeout(() => void flush(s), FLUSH_MS);
}

async function flush(s: State) {
  s.timer = undefined;
  const ids = [...s.pending];
  s.pending.clear();
  try {
    const handle = await s.handle?.();
    if (!handle) return;
    // A NOTIFY payload holds at most 8,000 bytes: 150 ids a message is well under.
    for (let i = 0; i < ids.length; i += 150) {
      await handle.db.execute(sql`select pg_notify(${CHANNEL}, ${JSON.stringify({ o: s.origin, u: ids.slice(i, i + 150) })})`);
    }
  } catch (err) {
    // Other processes' pages fall back to refetching on focus; nothing is lost.
    console.warn("could not send a credits change notice:", err instanceof Error ? err.message : err);
  }
}

/** Subscribes to changes (this process's and, once connected, every other's). Returns the way to stop. */
export function onChange(listener: (change: CreditsChange) => void): () => void {
  const s = state();
  if (s.handle && !s.listening) {
    s.listening = (async () => {
      const handle = await s.handle!();
      if (!handle) return;
      await handle.listen(CHANNEL, (payload) => {
        try {
          const { o, u } = JSON.parse(payload) as { o: string; u: string[] };
          if (o !== s.origin) s.emitter.emit("change", { userIds: u } satisfies CreditsChange);
        } catch {
          // not ours
        }
      });
    })().catch((err) => {
      s.listening = undefined;
      console.warn("could not listen for credits changes:", err instanceof Error ? err.message : err);
    });
  }
  s.emitter.on("change", listener);
  return () => s.emitter.off("change", listener);
}
