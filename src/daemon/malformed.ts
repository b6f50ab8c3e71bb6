// grpc-js answers a request it cannot decode with INTERNAL, as if the daemon had failed, and one over its size limit
// below any interceptor, so unaudited. Both are the caller's doing: they become markers the call gate answers
// (INVALID_ARGUMENT, RESOURCE_EXHAUSTED) and audits. grpc-js keeps a far larger limit, for its own buffers only.
import type { ServiceDefinition } from "@grpc/grpc-js";

const MALFORMED = Symbol("malformed request");
const TOO_LARGE = Symbol("request too large");

interface MalformedRequest {
  readonly [MALFORMED]: string;
}

interface OversizedRequest {
  readonly [TOO_LARGE]: number;
}

/** Largest request message a handler gets. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** What grpc-js itself accepts, so that requests between the two are refused, and audited, by the call gate. */
export const TRANSPORT_MAX_REQUEST_BYTES = 4 * MAX_REQUEST_BYTES;

/** The same service, whose request decoders return a marker instead of throwing or decoding a request too large. */
export function guardDeserializers(definition: ServiceDefinition): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(definition).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer): unknown => {
          if (bytes.length > MAX_REQUEST_BYTES) return { [TOO_LARGE]: bytes.length } satisfies OversizedRequest;
          try {
            return method.requestDeserialize(bytes);
          } catch (err) {
            return { [MALFORMED]: err instanceof Error ? err.message : String(err) } satisfies MalformedRequest;
          }
        },
      },
    ]),
  );
}

/** Why the request could not be decoded, or undefined for a decoded one. */
export function malformation(request: unknown): string | undefined {
  return typeof request === "object" && request !== null && MALFORMED in request ? (request as MalformedRequest)[MALFORMED] : undefined;
}

/** The size of a request too large to decode, or undefined. */
export function oversize(request: unknown): number | undefined {
  return typeof request === "object" && request !== null && TOO_LARGE in request ? (request as OversizedRequest)[TOO_LARGE] : undefined;
}
