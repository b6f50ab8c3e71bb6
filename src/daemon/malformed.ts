// grpc-js answers a request it cannot decode with INTERNAL, as if the daemon had failed, and one over its size limit
// below any interceptor, so unaudited. Both are the caller's doing: they become markers the call gate answers
// (INVALID_ARGUMENT, RESOURCE_EXHAUSTED) and audits. grpc-js keeps a far larger limit, for its own buffers only (it
// would hold a whole request in memory before any decoder sees it): its refusals past that are handed to the gate.
import { status, type ServerInterceptingCallInterface, type ServiceDefinition, type StatusObject } from "@grpc/grpc-js";

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

/** The refusal of a request of `size` bytes (undefined: not known, only that it is over grpc-js's own limit). */
export const oversizeRefusal = (size: number | undefined): string =>
  `the request is ${size ?? `over ${TRANSPORT_MAX_REQUEST_BYTES}`} bytes, more than the ${MAX_REQUEST_BYTES} a request may be`;

/** grpc-js's words for a request over its limit, announced in the message header or once decompressed. */
const TRANSPORT_REFUSAL = /^Received message (?:larger than max \((\d+) vs \d+\)|that decompresses to a size larger than \d+)/;

/**
 * Hands `onRefused` each refusal grpc-js makes of a request over its own limit, in the gate's words, before it is
 * sent. grpc-js makes it below every interceptor, through the sendStatus of its own call: the `call` the first
 * interceptor is given, whose method is wrapped here for that call only.
 */
export function onTransportRefusal(call: ServerInterceptingCallInterface, onRefused: (refusal: Pick<StatusObject, "code" | "details">) => void): void {
  const sendStatus = call.sendStatus.bind(call);
  call.sendStatus = (st) => {
    const match = st.code === status.RESOURCE_EXHAUSTED ? TRANSPORT_REFUSAL.exec(st.details) : null;
    if (!match) return sendStatus(st);
    const refusal = { code: st.code, details: oversizeRefusal(match[1] === undefined ? undefined : Number(match[1])) };
    onRefused(refusal);
    sendStatus({ ...st, ...refusal });
  };
}

/** Why the request could not be decoded, or undefined for a decoded one. */
export function malformation(request: unknown): string | undefined {
  return typeof request === "object" && request !== null && MALFORMED in request ? (request as MalformedRequest)[MALFORMED] : undefined;
}

/** The size of a request too large to decode, or undefined. */
export function oversize(request: unknown): number | undefined {
  return typeof request === "object" && request !== null && TOO_LARGE in request ? (request as OversizedRequest)[TOO_LARGE] : undefined;
}
