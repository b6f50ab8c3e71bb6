// Bytes that are not a valid encoding of the request, or only barely: random bytes, a valid encoding cut short or
// with junk after it, wrong and invalid wire types, lengths past the end, overlong varints, invalid UTF-8 and
// groups nested deeper than any decoder's stack.
import protobuf from "protobufjs";
import type { Random } from "./random.js";
import { lengthDelimited, tag, varint, wireTypeOf, WireType } from "./wire.js";

export interface Malformed {
  readonly bytes: Buffer;
  /** What was done, for the report of a failing case. */
  readonly how: string;
}

type Mutation = (valid: Buffer, type: protobuf.Type, rng: Random) => Malformed;

const MUTATIONS: readonly Mutation[] = [
  (_valid, _type, rng) => ({ bytes: Buffer.from(rng.bytes(rng.chance(0.9) ? rng.int(1, 64) : rng.int(1000, 5000))), how: "random bytes" }),
  (valid, _type, rng) => {
    const at = rng.int(0, Math.max(0, valid.length - 1));
    return { bytes: valid.subarray(0, at), how: `valid encoding cut at ${at} of ${valid.length}` };
  },
  (valid, _type, rng) => ({ bytes: Buffer.concat([valid, rng.bytes(rng.int(1, 16))]), how: "valid encoding then junk" }),
  (valid, type, rng) => {
    const field = someField(type, rng);
    const wrong = rng.pick([0, 1, 2, 5].filter((w) => w !== (field ? wireTypeOf(field) : -1)));
    const payload = wrong === WireType.LengthDelimited ? Buffer.concat([varint(3n), Buffer.from("abc")]) : wrong === WireType.Varint ? varint(rng.uint64()) : Buffer.from(rng.bytes(wrong === WireType.Fixed64 ? 8 : 4));
    return { bytes: Buffer.concat([valid, tag(field?.id ?? 1, wrong), payload]), how: `field ${field?.name ?? 1} with wire type ${wrong}` };
  },
  (valid, _type, rng) => {
    const wireType = rng.pick([6, 7]);
    return { bytes: Buffer.concat([valid, tag(rng.int(1, 20), wireType), Buffer.from(rng.bytes(4))]), how: `invalid wire type ${wireType}` };
  },
  (valid, type, rng) => {
    const field = someField(type, rng);
    const length = rng.pick([2n ** 31n, 2n ** 32n + 5n, 2n ** 63n, BigInt(rng.int(1, 100))]);
    return {
      bytes: Buffer.concat([valid, tag(field?.id ?? 1, WireType.LengthDelimited), varint(length), Buffer.from("ab")]),
      how: `length ${length} past the end`,
    };
  },
  (valid, type, rng) => {
    const field = someField(type, rng);
    return { bytes: Buffer.concat([valid, tag(field?.id ?? 1, WireType.Varint), Buffer.alloc(11, 0xff), Buffer.from([1])]), how: "a 12-byte varint" };
  },
  (valid, type, rng) => {
    const strings = type.fieldsArray.filter((f) => f.type === "string");
    const field = strings.length > 0 ? rng.pick(strings) : undefined;
    const bad = Buffer.from(rng.pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]]));
    return { bytes: Buffer.concat([valid, lengthDelimited(field?.id ?? 1, bad)]), how: `invalid UTF-8 in ${field?.name ?? "field 1"}` };
  },
  (valid, _type, rng) => {
    const depth = rng.pick([100, 10_000, 200_000]);
    const field = rng.int(1, 20);
    const open = tag(field, WireType.StartGroup);
    const close = tag(field, WireType.EndGroup);
    const nested = Buffer.concat([...Array<Buffer>(depth).fill(open), ...(rng.chance(0.5) ? Array<Buffer>(depth).fill(close) : [])]);
    return { bytes: Buffer.concat([valid, nested]), how: `groups nested ${depth} deep` };
  },
  (valid, _type, rng) => {
    const fieldNumber = rng.pick([0, 2 ** 29 - 1, 2 ** 29, 2 ** 32]);
    return { bytes: Buffer.concat([valid, tag(fieldNumber, WireType.Varint), varint(1n)]), how: `field number ${fieldNumber}` };
  },
  (valid, type, rng) => {
    // A message field whose content is itself cut short.
    const messages = type.fieldsArray.filter((f) => f.resolvedType instanceof protobuf.Type && !f.map);
    const field = messages.length > 0 ? rng.pick(messages) : undefined;
    if (!field) return { bytes: valid.subarray(0, valid.length >> 1), how: "valid encoding cut in half" };
    const inner = lengthDelimited(1, Buffer.from("abcdef"));
    return { bytes: Buffer.concat([valid, lengthDelimited(field.id, inner.subarray(0, inner.length - 2))]), how: `${field.name} cut short inside` };
  },
];

export function malformed(valid: Buffer, type: protobuf.Type, rng: Random): Malformed {
  return rng.pick(MUTATIONS)(valid, type, rng);
}

function someField(type: protobuf.Type, rng: Random): protobuf.Field | undefined {
  return type.fieldsArray.length > 0 ? rng.pick(type.fieldsArray) : undefined;
}
