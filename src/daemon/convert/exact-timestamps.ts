// ts-proto decodes a google.protobuf.Timestamp into a Date, which holds milliseconds: the nanoseconds a request sent
// are gone before a handler runs. Where they matter (log since and until, compared with records stamped to the
// nanosecond) the request decoder also keeps those Timestamps as sent, beside the decoded request.
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { Timestamp } from "../../gen/google/protobuf/timestamp.js";

const EXACT = Symbol("exact timestamps");

/** By method name (as in the definition), the Timestamp fields to keep: field name to field number. */
export type TimestampFields = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** The same service, whose listed requests also carry their Timestamps as sent (see exactTimestamp). */
export function keepExactTimestamps<D extends ServiceDefinition>(definition: D, fields: TimestampFields): D {
  const methods = Object.entries(definition).map(([name, method]) => {
    const numbers = fields[name];
    if (numbers === undefined) return [name, method];
    const requestDeserialize = (bytes: Buffer): unknown => {
      const request = method.requestDeserialize(bytes) as object;
      return { ...request, [EXACT]: readTimestamps(bytes, numbers) };
    };
    return [name, { ...method, requestDeserialize }];
  });
  return Object.fromEntries(methods) as D;
}

/** The Timestamp `field` of a request as sent, if its decoder kept it and the request set it. */
export function exactTimestamp(request: object, field: string): Timestamp | undefined {
  return (request as { [EXACT]?: Record<string, Timestamp> })[EXACT]?.[field];
}

/** The top-level Timestamp fields of an encoded message; of a field sent twice, the last, as the decoder takes it. */
function readTimestamps(bytes: Uint8Array, numbers: Readonly<Record<string, number>>): Record<string, Timestamp> {
  const byNumber = new Map(Object.entries(numbers).map(([name, number]) => [number, name]));
  const found: Record<string, Timestamp> = {};
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const name = byNumber.get(tag >>> 3);
    if (name === undefined || (tag & 7) !== WireType.LengthDelimited) {
      reader.skip(tag & 7);
      continue;
    }
    found[name] = Timestamp.decode(reader, reader.uint32());
  }
  return found;
}
