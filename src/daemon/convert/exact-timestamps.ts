// ts-proto decodes a google.protobuf.Timestamp into a Date, which holds milliseconds: the nanoseconds a request sent
// are gone before a handler runs, and so is any sign that they were out of range. So the request decoder of each
// method that reads Timestamps also reads them as sent: it refuses one that breaks the Timestamp rule (the request
// is then malformed, INVALID_ARGUMENT naming the field) and keeps them beside the decoded request, for handlers that
// compare to the nanosecond (log since and until).
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { Timestamp } from "../../gen/google/protobuf/timestamp.js";
import { validateTimestamp } from "./timestamp.js";

const EXACT = Symbol("exact timestamps");

/**
 * By method name (as in the definition), the Timestamp fields its request carries: field name (dotted for a field
 * of a nested message, "filter.since") to field number, or to the field numbers down to it ([3, 5]).
 */
export type TimestampFields = Readonly<Record<string, Readonly<Record<string, number | readonly number[]>>>>;

/** The same service, whose listed requests have their Timestamps checked, and carry them as sent (exactTimestamp). */
export function keepExactTimestamps<D extends ServiceDefinition>(definition: D, fields: TimestampFields): D {
  const methods = Object.entries(definition).map(([name, method]) => {
    const paths = fields[name];
    if (paths === undefined) return [name, method];
    const requestDeserialize = (bytes: Buffer): unknown => {
      const exact = readTimestamps(bytes, paths);
      const request = method.requestDeserialize(bytes) as object;
      return { ...request, [EXACT]: exact };
    };
    return [name, { ...method, requestDeserialize }];
  });
  return Object.fromEntries(methods) as D;
}

/** The Timestamp `field` of a request as sent, if its decoder kept it and the request set it. */
export function exactTimestamp(request: object, field: string): Timestamp | undefined {
  return (request as { [EXACT]?: Record<string, Timestamp> })[EXACT]?.[field];
}

/** The listed Timestamps of an encoded message, each checked; of a field sent twice, the last, as the decoder takes it. */
function readTimestamps(bytes: Uint8Array, paths: Readonly<Record<string, number | readonly number[]>>): Record<string, Timestamp> {
  const found: Record<string, Timestamp> = {};
  for (const [name, path] of Object.entries(paths))
    for (const sent of occurrences(bytes, typeof path === "number" ? [path] : path)) found[name] = validateTimestamp(Timestamp.decode(sent), name);
  return found;
}

/** The encoded values of the message field at `path` (field numbers, outermost first), each time it was sent. */
function* occurrences(bytes: Uint8Array, path: readonly number[]): Generator<Uint8Array> {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number !== path[0] || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    const value = reader.bytes();
    if (path.length === 1) yield value;
    else yield* occurrences(value, path.slice(1));
  }
}
