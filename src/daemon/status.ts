// The one place error kinds become gRPC status codes.
import { Metadata, status, type StatusObject } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { AuraeError, ERROR_KIND_TRAILER, type ErrorKind } from "../errors.js";

const CODE: Record<ErrorKind, status> = {
  invalid: status.INVALID_ARGUMENT,
  "not-found": status.NOT_FOUND,
  exists: status.ALREADY_EXISTS,
  precondition: status.FAILED_PRECONDITION,
  unsupported: status.UNIMPLEMENTED,
  unavailable: status.UNAVAILABLE,
  denied: status.PERMISSION_DENIED,
  unauthenticated: status.UNAUTHENTICATED,
  internal: status.INTERNAL,
};

// Details travel in an HTTP/2 trailer, and peers bound header sizes: a message that quotes a huge request value is
// cut, so the caller still gets its status (the start names the field).
const MAX_DETAILS_CHARS = 1024;

/** Status details short enough to travel; the call gate applies it to every answer, the health service's too. */
export const boundDetails = (details: string): string =>
  details.length > MAX_DETAILS_CHARS ? `${details.slice(0, MAX_DETAILS_CHARS)}… (cut)` : details;

export function toStatus(err: unknown, log: Logger): Pick<StatusObject, "code" | "details"> & { metadata?: Metadata } {
  if (err instanceof AuraeError) {
    if (err.kind === "internal") log.error({ err }, "internal error in handler");
    const metadata = new Metadata();
    metadata.set(ERROR_KIND_TRAILER, err.kind);
    return { code: CODE[err.kind], details: boundDetails(err.message), metadata };
  }
  if (err instanceof Error && err.name === "AbortError") return { code: status.CANCELLED, details: "cancelled" };
  log.error({ err }, "unexpected error in handler");
  return { code: status.INTERNAL, details: "internal error (see the auraed log)" };
}
