/**
 * Domain errors. Each carries a code the HTTP layer maps to a status and a message written
 * for the person who will read it. "Out of credits" is not here: it is a normal result.
 */
export type DomainErrorCode =
  | "not_found"
  | "forbidden"
  | "invalid"
  | "idempotency_conflict"
  | "conflict"
  | "unauthorized";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("not_found", `${what} was not found.`);
export const forbidden = (message: string) => new DomainError("forbidden", message);
export const invalid = (message: string) => new DomainError("invalid", message);
export const conflict = (message: string) => new DomainError("conflict", message);
/** An app key that no longer works (revoked), found where the charge is written. */
export const keyNotValid = () => new DomainError("unauthorized", "This app key is not valid.");

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code, constraint_name, constraint: c } = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown };
    if (code === "23505") return !constraint || constraint_name === constraint || c === constraint;
  }
  return false;
}

/**
 * Errors that mean "the database could not do it right now" (unreachable, restarting, a lock
 * or statement timeout, a deadline), not "this request is wrong". Nothing was committed.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code } = e as { code?: unknown };
    if (
      typeof code === "string" &&
      (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "CONNECT_TIMEOUT", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "DEADLINE_EXCEEDED", "57P01", "57P02", "57P03", "53300", "55P03", "57014"].includes(code) ||
        code.startsWith("08"))
    ) {
      return true;
    }
  }
  return false;
}
