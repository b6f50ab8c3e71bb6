// Errors a client sees: one class with a stable code, so scripts can branch on `err.code` and the CLI can pick an
// exit code and a hint.
import { status, type ServiceError } from "@grpc/grpc-js";

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

const BY_STATUS: Partial<Record<status, ClientErrorCode>> = {
  [status.INVALID_ARGUMENT]: "invalid",
  [status.OUT_OF_RANGE]: "invalid",
  [status.NOT_FOUND]: "not-found",
  [status.ALREADY_EXISTS]: "exists",
  [status.FAILED_PRECONDITION]: "precondition",
  [status.PERMISSION_DENIED]: "denied",
  [status.UNAUTHENTICATED]: "unauthenticated",
  [status.UNAVAILABLE]: "unavailable",
  [status.UNIMPLEMENTED]: "unimplemented",
  [status.CANCELLED]: "cancelled",
  [status.DEADLINE_EXCEEDED]: "deadline",
};

export class AuraeClientError extends Error {
  override name = "AuraeClientError";
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** The gRPC status code, when the error came from a call. */
    readonly grpcCode?: status,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Turns a grpc-js error into an AuraeClientError with a message a person can act on. */
export function clientErrorFrom(err: unknown, target: string): AuraeClientError {
  if (err instanceof AuraeClientError) return err;
  const grpcError = err as Partial<ServiceError>;
  if (typeof grpcError.code !== "number") return new AuraeClientError("internal", String(err), undefined, { cause: err });
  const code = BY_STATUS[grpcError.code] ?? "internal";
  const details = grpcError.details ?? grpcError.message ?? "";
  return new AuraeClientError(code, code === "unavailable" ? unavailableHint(details, target) : details, grpcError.code, {
    cause: err,
  });
}

function unavailableHint(details: string, target: string): string {
  // grpc-js reports TLS failures as UNAVAILABLE; say what they are.
  if (/certificate|handshake|SSL|TLS|alert/i.test(details)) return `authentication failed talking to ${target}: ${details}`;
  if (/ENOENT|ECONNREFUSED|No connection established|connect/i.test(details))
    return `daemon not running at ${target.replace(/^unix:/, "")} (${details})`;
  return `daemon unavailable at ${target}: ${details}`;
}
