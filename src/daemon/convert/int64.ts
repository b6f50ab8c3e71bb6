import { invalid } from "../../errors.js";

/** An int64 field as a JS number, refusing what a number cannot hold exactly. */
export function int64ToNumber(value: bigint | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
    throw invalid(field, `${value} is out of range`);
  return Number(value);
}

export const required = <T>(value: T | undefined, field: string): T => {
  if (value === undefined) throw invalid(field, "is required");
  return value;
};

/** A uint64 field as a JS number, refusing what a number cannot hold exactly. */
export function uint64ToNumber(value: bigint | undefined, field: string): number | undefined {
  if (value !== undefined && value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(field, `${value} is out of range`);
  return value === undefined ? undefined : Number(value);
}
