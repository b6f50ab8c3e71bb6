// grpc-js answers a request it cannot decode with INTERNAL, as if the daemon had failed. It is the caller's fault:
// decoding failures become a marker the call interceptor answers with INVALID_ARGUMENT.
import type { ServiceDefinition } from "@grpc/grpc-js";

const MALFORMED = Symbol("malformed request");

interface MalformedRequest {
  readonly [MALFORMED]: string;
}

/** The same service, whose request decoders return a marker instead of throwing. */
export function guardDeserializers(definition: ServiceDefinition): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(definition).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer): unknown => {
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
