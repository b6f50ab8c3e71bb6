// Error kinds shared by every layer. Each layer throws AuraeError through the helpers below; only the daemon turns
// a kind into a gRPC status (src/daemon/status.ts), so nothing below it knows about gRPC.

export type ErrorKind =
  | "invalid"
  | "not-found"
  | "exists"
  | "precondition"
  | "unsupported"
  | "unavailable"
  | "denied"
  | "unauthenticated"
  | "internal";

/**
 * The trailer that marks a status as the daemon's own answer (its value is the kind), so that a client does not read
 * an UNAVAILABLE the daemon sent (a registry refused its connection) as its own failure to reach the daemon.
 */
export const ERROR_KIND_TRAILER = "aurae-error-kind";

export class AuraeError extends Error {
  override name = "AuraeError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** The request field at fault, as a dotted path (`spec.memory.max_bytes`), when there is one. */
    readonly field?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const QUOTED_CHARS = 64;

/**
 * A caller's value as a message quotes it: JSON-escaped, so a NUL or a newline shows, and cut short, so a huge value
 * cannot make a huge status (or log line).
 */
export function quote(value: string): string {
  if (value.length <= QUOTED_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, QUOTED_CHARS))}… (${value.length} characters)`;
}

/** A field of a request is wrong: the message names the field and the value. */
export const invalid = (field: string, message: string): AuraeError =>
  new AuraeError("invalid", `${field}: ${message}`, field);

export const notFound = (message: string, options?: ErrorOptions): AuraeError =>
  new AuraeError("not-found", message, undefined, options);

export const exists = (message: string): AuraeError => new AuraeError("exists", message);

export const precondition = (message: string, options?: ErrorOptions): AuraeError =>
  new AuraeError("precondition", message, undefined, options);

export const unsupported = (message: string): AuraeError => new AuraeError("unsupported", message);

export const unavailable = (message: string, options?: ErrorOptions): AuraeError =>
  new AuraeError("unavailable", message, undefined, options);

export const internal = (message: string, options?: ErrorOptions): AuraeError =>
  new AuraeError("internal", message, undefined, options);

export const isAuraeError = (err: unknown, kind?: ErrorKind): err is AuraeError =>
  err instanceof AuraeError && (kind === undefined || err.kind === kind);

/** The errno code of a Node system error (`ENOENT`, ...), if it is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Wraps an OS error with the operation and path it happened on, keeping the original as `cause`. */
export function osError(operation: string, path: string, err: unknown): AuraeError {
  const code = errnoCode(err) ?? "unknown error";
  const kind: ErrorKind = code === "ENOENT" ? "not-found" : code === "EACCES" || code === "EPERM" ? "denied" : "internal";
  return new AuraeError(kind, `${operation} ${path}: ${code}`, undefined, { cause: err });
}
