// Random, type-correct messages built from a message descriptor: every field gets a value of its type, drawn from
// edge values (empty, huge, NUL, traversal, int64 extremes, unknown enum numbers, big repeated fields and maps),
// random ones, or plausible ones (see plausible.ts).
import protobuf from "protobufjs";
import type { Plausible } from "./plausible.js";
import type { Random } from "./random.js";
import { mapEntryType, type FuzzMessage, type FuzzValue } from "./wire.js";

export interface GenContext {
  readonly rng: Random;
  readonly plausible: Plausible;
  /** The chance that a field takes a random or edge value rather than a plausible one: 0 makes good requests. */
  chaos: number;
  /** Bytes left for strings in this message: one huge value, not thousands of them. */
  budget: number;
}

/** gRPC's default limit is 4 MiB: some requests go past it, to see RESOURCE_EXHAUSTED rather than a crash. */
export const MESSAGE_BUDGET = 5 << 20;
const MAX_DEPTH = 8;

const EDGE_STRINGS = [
  "", "a", " ", "A B", "a=b", "\0", "a\0b", "../x", "a/../b", "..", ".", "/", "//", "a/", "/a", "a//b", "-", "_", "-rf",
  "x".repeat(63), "x".repeat(64), `${"a/".repeat(20)}a`, "ünïcødé", "日本語", "🙂", "\u202eevil", "\ud800", "\n", "\t\r",
  "$(id)", "%s%n", "\\", "\"'", "null", "0", "-1", "1e309", "0x10", "\0\0", "a".repeat(5000),
];
const CHARS = "abcxyz019_-./=: AZ\0\n🙂é";

const INT_EDGES: Readonly<Record<string, readonly bigint[]>> = {
  int32: [0n, 1n, -1n, 2n ** 31n - 1n, -(2n ** 31n)],
  sint32: [0n, 1n, -1n, 2n ** 31n - 1n, -(2n ** 31n)],
  sfixed32: [0n, -1n, 2n ** 31n - 1n, -(2n ** 31n)],
  uint32: [0n, 1n, 2n ** 31n, 2n ** 32n - 1n],
  fixed32: [0n, 1n, 2n ** 32n - 1n],
  int64: [0n, 1n, -1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)],
  sint64: [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)],
  sfixed64: [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)],
  uint64: [0n, 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};
const FLOAT_EDGES = [0, -0, 1.5, Number.NaN, Infinity, -Infinity, 1e308, 5e-324];

export function randomMessage(type: protobuf.Type, ctx: GenContext, depth = 0): FuzzMessage {
  if (depth === 0) ctx.budget = MESSAGE_BUDGET;
  const message: FuzzMessage = {};
  const chosenOneofs = new Map<string, string>();
  for (const oneof of type.oneofsArray)
    if (!oneof.name.startsWith("_") && !ctx.rng.chance(0.3)) chosenOneofs.set(oneof.name, ctx.rng.pick(oneof.fieldsArray).name);
  for (const field of type.fieldsArray) {
    const oneof = field.partOf;
    const synthetic = oneof?.name.startsWith("_"); // proto3 `optional`: present or not
    if (oneof && !synthetic && chosenOneofs.get(oneof.name) !== field.name && !ctx.rng.chance(0.05)) continue;
    if (!ctx.rng.chance(0.95 - ctx.chaos / 2)) continue;
    if (field.resolvedType instanceof protobuf.Type && depth >= MAX_DEPTH) continue;
    message[field.name] = randomField(type, field, ctx, depth);
  }
  return message;
}

/** A value for the field: a list for a repeated field or a map, else one value. */
export const randomField = (type: protobuf.Type, field: protobuf.Field, ctx: GenContext, depth: number): FuzzValue =>
  field.map || field.repeated ? randomList(type, field, ctx, depth) : randomValue(type, field, ctx, depth);

function randomList(type: protobuf.Type, field: protobuf.Field, ctx: GenContext, depth: number): FuzzValue {
  const length = ctx.budget < 100_000 || !ctx.rng.chance(ctx.chaos) ? ctx.rng.pick([0, 1, 1, 2, 3]) : ctx.rng.size();
  if (!(field instanceof protobuf.MapField)) return Array.from({ length }, () => randomValue(type, field, ctx, depth));
  const entry = mapEntryType(field);
  const [keyField, valueField] = entry.fieldsArray as [protobuf.Field, protobuf.Field];
  const key = (): FuzzValue => {
    const known = keyField.type === "string" ? ctx.plausible.string(entry, keyField, ctx.rng, nearMiss(ctx), `${field.name}.key`) : undefined;
    return known !== undefined && !ctx.rng.chance(ctx.chaos) ? known : randomValue(entry, keyField, ctx, depth);
  };
  return Array.from({ length }, (): [FuzzValue, FuzzValue] => [key(), randomValue(entry, valueField, ctx, depth)]);
}

/** One value of the field's type (one element of a repeated field). */
function randomValue(type: protobuf.Type, field: protobuf.Field, ctx: GenContext, depth: number): FuzzValue {
  const { rng } = ctx;
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return randomMessage(resolved, ctx, depth + 1);
  const wild = rng.chance(ctx.chaos);
  if (resolved instanceof protobuf.Enum) return randomEnum(resolved, rng, wild);
  switch (field.type) {
    case "string":
      return spend(ctx, wild ? randomString(ctx) : (ctx.plausible.string(type, field, rng, nearMiss(ctx)) ?? rng.pick(["", "x", "web"])));
    case "bytes":
      return spend(ctx, !wild || rng.chance(0.2) ? new Uint8Array() : rng.bytes(rng.chance(0.05) ? rng.int(1000, 70_000) : rng.int(1, 64)));
    case "bool":
      return rng.chance(wild ? 0.5 : 0.25); // unset (false) is the usual choice
    case "double":
    case "float":
      return wild ? rng.pick(FLOAT_EDGES) : rng.float() * 100;
    default:
      return wild ? randomInteger(field.type, rng) : (ctx.plausible.integer(type, field, rng) ?? BigInt(rng.int(0, 10)));
  }
}

/** Even a plausible request gets a near miss (a value that is almost right) now and then, more often when wilder. */
const nearMiss = (ctx: GenContext): number => 0.01 + ctx.chaos / 2;

function randomEnum(e: protobuf.Enum, rng: Random, wild: boolean): number {
  const known = Object.values(e.values);
  if (!wild || rng.chance(0.5)) return rng.pick(known);
  return rng.pick([Math.max(...known) + 1, 99, -1, 2 ** 31 - 1, -(2 ** 31)]);
}

function randomInteger(type: string, rng: Random): bigint {
  const edges = INT_EDGES[type] ?? INT_EDGES.int64!;
  if (rng.chance(0.5)) return rng.pick(edges);
  const small = BigInt(rng.int(0, 2000));
  return type.startsWith("u") || type.startsWith("fixed") || !rng.chance(0.2) ? small : -small;
}

function randomString(ctx: GenContext): string {
  const { rng } = ctx;
  const roll = rng.float();
  if (roll < 0.45) return rng.pick(EDGE_STRINGS);
  if (roll < 0.97 || ctx.budget < 200_000) {
    const chars = [...CHARS];
    return Array.from({ length: rng.int(1, 40) }, () => rng.pick(chars)).join("");
  }
  // Long: past the kernel's 128 KiB per argument, past our 1 MiB argv and env, or past gRPC's 4 MiB message.
  return "x".repeat(rng.pick([70_000, 140_000, 1_100_000, 4_300_000]));
}

/** The value, counted against the message's budget; past the budget, a short one instead. */
function spend<T extends string | Uint8Array>(ctx: GenContext, value: T): T | string {
  if (value.length > ctx.budget) return "b";
  ctx.budget -= value.length;
  return value;
}
