import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import postgres from "postgres";
import { directUrlFor } from "@/tests/support/local-db";
import { ROOT } from "@/tests/support/server";

/** Helpers for tests that run parts of the work in other processes (reliability/actor.ts, the worker). */

// `node --import tsx`, not the tsx launcher: the launcher runs the script in a child process of
// its own, and a SIGKILL to the launcher would leave that child working.
const node = (script: string) => [process.execPath, ["--import", "tsx", path.join(ROOT, script)]] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are asserted field by field
type Answer = Record<string, any>;

/** Through a pooler, the child's DATABASE_DIRECT_URL names the same database on the primary. */
const directEnv = (databaseUrl: string): Record<string, string> => {
  const direct = directUrlFor(databaseUrl);
  return direct ? { DATABASE_DIRECT_URL: direct } : {};
};

/** Another process working on the same database: see reliability/actor.ts. */
export class Actor {
  private child: ChildProcess;
  private next = 1;
  private waiting = new Map<number, (a: Answer) => void>();
  private log = "";
  readonly ready: Promise<Answer>;

  /** `env`: more configuration for this process (a payment provider, say). */
  constructor(databaseUrl: string, env: Record<string, string> = {}) {
    const [cmd, args] = node("reliability/actor.ts");
    this.child = spawn(cmd, [...args, databaseUrl], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, DATABASE_URL: databaseUrl, ...directEnv(databaseUrl), ...env } });
    this.child.stderr!.on("data", (d) => (this.log += d));
    let onReady: (a: Answer) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve;
      this.child.once("exit", (code) => reject(new Error(`actor exited (${code}) before it was ready:\n${this.log}`)));
    });
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const msg = JSON.parse(line) as Answer;
      if (msg.ready) return onReady(msg);
      this.waiting.get(msg.id)?.(msg);
      this.waiting.delete(msg.id);
    });
  }

  send(cmd: Answer): Promise<Answer> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin!.write(JSON.stringify({ ...cmd, id }) + "\n");
    });
  }

  /** Kills the process where it stands (SIGKILL: no cleanup, connections cut mid-transaction). */
  async kill() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGKILL");
    await exited;
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.stdin!.write(JSON.stringify({ op: "exit", id: 0 }) + "\n");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts every process's part of a round at once: the test holds an advisory lock, each process
 * waits on it (shared), and once all are waiting the lock is let go.
 */
export class Barrier {
  private sql: postgres.Sql;
  constructor(databaseUrl: string) {
    // Session advisory locks need a session of their own: the primary itself, never through a pooler.
    this.sql = postgres(directUrlFor(databaseUrl) ?? databaseUrl, { max: 1, onnotice: () => {} });
  }
  async hold(key: number) {
    await this.sql`select pg_advisory_lock(${key})`;
  }
  async release(key: number, waiters: number) {
    for (let i = 0; ; i++) {
      const [row] = await this.sql<{ n: number }[]>`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = ${key} and not granted`;
      if (row!.n >= waiters) break;
      if (i > 600) throw new Error(`only ${row!.n} of ${waiters} processes reached barrier ${key}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await this.sql`select pg_advisory_unlock(${key})`;
  }
  close() {
    return this.sql.end({ timeout: 5 });
  }
}

/** `npm run worker` as a child process, to be stopped or killed. */
export function spawnWorker(databaseUrl: string, env: Record<string, string> = {}) {
  let log = "";
  const [cmd, args] = node("scripts/worker.ts");
  const child = spawn(cmd, [...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DATABASE_URL: databaseUrl, ...directEnv(databaseUrl), ...env } });
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    child,
    output: () => log,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
