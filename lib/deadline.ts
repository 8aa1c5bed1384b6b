/**
 * Deadlines. A request that cannot finish in time must be abandoned in the database, not
 * merely answered: `beforeDeadline` is checked by the charge itself (in SQL on the one-statement
 * path, just before COMMIT on the others), so work that outlives its deadline rolls back.
 * `withDeadline` is only the backstop for a database that stopped answering altogether (the
 * driver can leave a promise pending when the server dies, upstream porsager/postgres#1208).
 */
export class DeadlineExceededError extends Error {
  readonly code = "DEADLINE_EXCEEDED";
  constructor(message = "The request ran past its deadline and was abandoned; nothing was changed.") {
    super(message);
    this.name = "DeadlineExceededError";
  }
}

/** Throws when `deadline` has passed: call it last thing before committing. */
export function beforeDeadline(deadline: Date | undefined, now = Date.now()): void {
  if (deadline && now >= deadline.getTime()) throw new DeadlineExceededError();
}

/** How long past the deadline the backstop waits for the database to give up by itself. */
export const BACKSTOP_GRACE_MS = 1_000;

export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(`no answer from the database within ${ms} ms`)), ms);
  });
  return Promise.race([work, backstop]).finally(() => clearTimeout(timer));
}
