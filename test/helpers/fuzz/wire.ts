// A protobuf encoder of our own, not protobufjs's: it writes any value into any field exactly as given (an int64
// extreme, an enum number the schema lacks, a NUL in a string), and its pieces build bytes no encoder would write.
import protobuf from "protobufjs";

/** A generated field value. Integers are bigints whatever their width; a map is a list of [key, value]. */
export type FuzzValue = string | bigint | number | boolean | Uint8Array | FuzzMessage | FuzzValue[] | [FuzzValue, FuzzValue][];
export interface FuzzMessage {
  [field: string]: FuzzValue;
}

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

const VARINT_TYPES = new Set(["int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool"]);
const FIXED64_TYPES = new Set(["fixed64", "sfixed64", "double"]);
const FIXED32_TYPES = new Set(["fixed32", "sfixed32", "float"]);

/** The wire type a field's values are written with (one element of a repeated field). */
export function wireTypeOf(field: protobuf.Field): WireType {
  if (field.map) return WireType.LengthDelimited;
  if (VARINT_TYPES.has(field.type) || field.resolvedType instanceof protobuf.Enum) return WireType.Varint;
  if (FIXED64_TYPES.has(field.type)) return WireType.Fixed64;
  if (FIXED32_TYPES.has(field.type)) return WireType.Fixed32;
  return WireType.LengthDelimited;
}

export const tag = (fieldNumber: number, wireType: number): Buffer => varint((BigInt(fieldNumber) << 3n) | BigInt(wireType));

/** A varint of the value's low 64 bits (a negative int32 takes ten bytes, as the spec says). */
export function varint(value: bigint): Buffer {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

export const lengthDelimited = (fieldNumber: number, payload: Uint8Array): Buffer =>
  Buffer.concat([tag(fieldNumber, WireType.LengthDelimited), varint(BigInt(payload.length)), payload]);

export function encodeMessage(type: protobuf.Type, message: FuzzMessage): Buffer {
  const parts: Buffer[] = [];
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined) continue;
    if (field instanceof protobuf.MapField) {
      const entry = mapEntryType(field);
      for (const [k, v] of value as [FuzzValue, FuzzValue][]) parts.push(lengthDelimited(field.id, encodeMessage(entry, { key: k, value: v })));
    } else if (field.repeated && wireTypeOf(field) !== WireType.LengthDelimited) {
      // Packed, the proto3 default for numbers.
      const items = (value as FuzzValue[]).map((v) => encodeScalar(field, v));
      if (items.length > 0) parts.push(lengthDelimited(field.id, Buffer.concat(items)));
    } else {
      for (const v of field.repeated ? (value as FuzzValue[]) : [value]) parts.push(encodeField(field, v));
    }
  }
  return Buffer.concat(parts);
}

const entryTypes = new WeakMap<protobuf.MapField, protobuf.Type>();

/** A map is on the wire a repeated message of key (1) and value (2). */
export function mapEntryType(field: protobuf.MapField): protobuf.Type {
  let entry = entryTypes.get(field);
  if (!entry) {
    const value = new protobuf.Field("value", 2, field.type);
    value.resolvedType = field.resolvedType;
    entry = new protobuf.Type(`${field.name}Entry`).add(new protobuf.Field("key", 1, field.keyType)).add(value);
    entryTypes.set(field, entry);
  }
  return entry;
}

/** One value of a field, with its tag. */
function encodeField(field: protobuf.Field, value: FuzzValue): Buffer {
  const wireType = wireTypeOf(field);
  if (wireType === WireType.LengthDelimited) {
    const payload = field.resolvedType instanceof protobuf.Type
      ? encodeMessage(field.resolvedType, value as FuzzMessage)
      : typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value as Uint8Array);
    return lengthDelimited(field.id, payload);
  }
  return Buffer.concat([tag(field.id, wireType), encodeScalar(field, value)]);
}

/** A number or bool without its tag. */
function encodeScalar(field: protobuf.Field, value: FuzzValue): Buffer {
  if (typeof value === "boolean") return varint(value ? 1n : 0n);
  const n = typeof value === "number" && !Number.isInteger(value) ? value : BigInt(value as bigint | number);
  switch (field.type) {
    case "sint32":
      return varint(BigInt.asUintN(32, ((n as bigint) << 1n) ^ ((n as bigint) < 0n ? -1n : 0n)));
    case "sint64":
      return varint(BigInt.asUintN(64, ((n as bigint) << 1n) ^ ((n as bigint) < 0n ? -1n : 0n)));
    case "fixed32":
    case "sfixed32": {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Number(BigInt.asUintN(32, n as bigint)));
      return b;
    }
    case "fixed64":
    case "sfixed64": {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt.asUintN(64, n as bigint));
      return b;
    }
    case "float": {
      const b = Buffer.alloc(4);
      b.writeFloatLE(Number(n));
      return b;
    }
    case "double": {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(Number(n));
      return b;
    }
    default:
      return varint(n as bigint);
  }
}
