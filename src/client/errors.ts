// Errors a client sees: one base class with a stable string code and the gRPC status, and one subclass per code, so
// scripts can write `catch (err) { if (err instanceof NotFoundError) ... }` and the CLI can pick an exit code.
import { status, type ServiceError } from "@grpc/grpc-js";
import { ERROR_KIND_TRAILER } from "../errors.js";

export type ClientErrorCode =
  | "invalid"
  | "not-found"
  | "exists"
  | "precondition"
  | "denied"
  | "unauthenticated"
  | "unavailable"
  | "unimplemented"
  | "cancelled"
  | "deadline"
  | "internal";

export interface ClientErrorOptions extends ErrorOptions {
  /** The gRPC status received; default the one that stands for the error's code. */
  readonly grpcCode?: status;
}

export abstract class AuraeClientError extends Error {
  abstract readonly code: ClientErrorCode;
  readonly #grpcCode: status | undefined;
  constructor(message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.#grpcCode = options.grpcCode;
  }
  /** The gRPC status code: the one received, or for an error raised in the client the one its code stands for. */
  get grpcCode(): status {
    return this.#grpcCode ?? STATUS_OF[this.code];
  }
}

export class InvalidArgumentError extends AuraeClientError {
  readonly code = "invalid";
  /** The request field at fault as a dotted path ("spec.memory.max_bytes"), when the message names one. */
  readonly field: string | undefined;
  constructor(message: string, options?: ClientErrorOptions & { readonly field?: string }) {
    super(message, options);
    this.field = options?.field ?? FIELD_PREFIX.exec(message)?.[1];
  }
}
export class NotFoundError extends AuraeClientError { readonly code = "not-found"; }
export class AlreadyExistsError extends AuraeClientError { readonly code = "exists"; }
export class FailedPreconditionError extends AuraeClientError { readonly code = "precondition"; }
export class PermissionDeniedError extends AuraeClientError { readonly code = "denied"; }
export class UnauthenticatedError extends AuraeClientError { readonly code = "unauthenticated"; }
/** The daemon cannot be reached (its message names the socket or address), or it is shutting down. */
export class UnavailableError extends AuraeClientError { readonly code = "unavailable"; }
export class UnimplementedError extends AuraeClientError { readonly code = "unimplemented"; }
export class CancelledError extends AuraeClientError { readonly code = "cancelled"; }
export class DeadlineExceededError extends AuraeClientError { readonly code = "deadline"; }
export class InternalError extends AuraeClientError { readonly code = "internal"; }

/** The daemon starts an INVALID_ARGUMENT message with the field at fault: "spec.name: must be ...". */
const FIELD_PREFIX = /^([a-z_][a-z0-9_]*(?:\[\d+\])?(?:\.[a-z_][a-z0-9_]*(?:\[\d+\])?)*): /;

const STATUS_OF: Record<ClientErrorCode, status> = {
  invalid: status.INVALID_ARGUMENT,
  "not-found": status.NOT_FOUND,
  exists: status.ALREADY_EXISTS,
  precondition: status.FAILED_PRECONDITION,
  denied: status.PERMISSION_DENIED,
  unauthenticated: status.UNAUTHENTICATED,
  unavailable: status.UNAVAILABLE,
  unimplemented: status.UNIMPLEMENTED,
  cancelled: status.CANCELLED,
  deadline: status.DEADLINE_EXCEEDED,
  internal: status.INTERNAL,
};

// A Record over the union: a new code without its class does not compile.
const CLASS_OF: Record<ClientErrorCode, new (message: string, options?: ClientErrorOptions) => AuraeClientError> = {
  invalid: InvalidArgumentError,
  "not-found": NotFoundError,
  exists: AlreadyExistsError,
  precondition: FailedPreconditionError,
  denied: PermissionDeniedError,
  unauthenticated: UnauthenticatedError,
  unavailable: UnavailableError,
  unimplemented: UnimplementedError,
  cancelled: CancelledError,
  deadline: DeadlineExceededError,
  internal: InternalError,
};

const CODE_OF: Partial<Record<status, ClientErrorCode>> = {
  ...Object.fromEntries(Object.entries(STATUS_OF).map(([code, s]) => [s, code])),
  [status.OUT_OF_RANGE]: "invalid",
};

/** The error of `code`, as its own class. */
export const clientError = (code: ClientErrorCode, message: string, options?: ClientErrorOptions): AuraeClientError =>
  new CLASS_OF[code](message, options);

/** Turns whatever a call threw (a grpc-js error, mostly) into an AuraeClientError with a message a person can act on. */
export function clientErrorFrom(err: unknown, target: string): AuraeClientError {
  if (err instanceof AuraeClientError) return err;
  const grpcError = err as Partial<ServiceError>;
  if (typeof grpcError.code !== "number") return new InternalError(String(err), { cause: err });
  const code = CODE_OF[grpcError.code] ?? "internal";
  const details = grpcError.details ?? grpcError.message ?? "";
  // The daemon's own answer (it marks them) is its message as it is, whatever words it holds.
  const answered = (grpcError.metadata?.get(ERROR_KIND_TRAILER).length ?? 0) > 0;
  return clientError(code, answered ? details : plainMessage(code, details, target), { grpcCode: grpcError.code, cause: err });
}

/** The daemon's own messages as they are; what grpc-js words for its maintainers, in a person's words. */
function plainMessage(code: ClientErrorCode, details: string, target: string): string {
  if (code === "unavailable") return unavailableHint(details, target);
  if (code === "deadline") return deadlineHint(details, target);
  // Something that speaks HTTP/2 but not gRPC (a web server, a proxy) answered.
  const http = /^Received HTTP status code (\d+)$/.exec(details)?.[1];
  if (http) return `${target} is not auraed: it answered with HTTP status ${http} (check the address)`;
  return details;
}

/** A call the caller aborted: CANCELLED, whatever state the call was in. */
export const cancelled = (signal: AbortSignal): CancelledError => new CancelledError("cancelled", { cause: signal.reason });

// grpc-js words a failure to connect for its own maintainers ("No connection established. Last error: connect
// ECONNREFUSED 127.0.0.1:1 (<time>). Resolution note: "): keep the one fact a person can act on, and the remedy.
const CONNECT_FAULTS: readonly (readonly [RegExp, (where: string) => string])[] = [
  [/ECONNREFUSED/, (where) => `daemon not running at ${where}: connection refused (start auraed there, or check the address)`],
  [/ENOENT/, (where) => `daemon not running at ${where}: no socket there (start auraed, or check the socket path)`],
  [/EACCES|EPERM/, (where) => `permission denied: cannot reach ${where} (run as root, or as the socket's owner)`],
  [/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/, (where) => `cannot reach ${where}: the host is unreachable (check the address and the network)`],
  [/Name resolution failed|ENOTFOUND|EAI_AGAIN/, (where) => `cannot reach ${where}: the host name does not resolve (check the address)`],
  [/No connection established|failed to connect/i, (where) => `daemon not running at ${where} (start auraed there, or check the address)`],
];

function unavailableHint(details: string, target: string): string {
  // grpc-js reports TLS failures as UNAVAILABLE; say what they are.
  if (/certificate|handshake|SSL|TLS|alert/i.test(details)) return `authentication failed talking to ${target}: ${details}`;
  const fault = CONNECT_FAULTS.find(([pattern]) => pattern.test(details));
  return fault ? fault[1](target.replace(/^unix:/, "")) : `daemon unavailable at ${target}: ${details}`;
}

/** grpc-js's "Deadline exceeded after 1.000s,LB pick: 0.001s,remote_addr=..." becomes "no answer ... within 1s". */
function deadlineHint(details: string, target: string): string {
  if (!/^deadline exceeded/i.test(details)) return details;
  const seconds = /after ([\d.]+)s/.exec(details)?.[1];
  const within = seconds === undefined ? "before the call's deadline" : `within ${Number(seconds)}s, the call's deadline`;
  return `no answer from ${target.replace(/^unix:/, "")} ${within} (the daemon may be busy: give the call a longer deadline)`;
}
