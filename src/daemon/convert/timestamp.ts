import { invalid } from "../../errors.js";

// google.protobuf.Timestamp's own range. ts-proto turns seconds past what a Date holds into an Invalid Date.
const MIN_MS = Date.parse("0001-01-01T00:00:00Z");
const MAX_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** A Timestamp field as a Date, refusing one outside 0001-01-01 to 9999-12-31. */
export function timestampFromProto(value: Date | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const ms = value.getTime();
  if (!(ms >= MIN_MS && ms <= MAX_MS)) throw invalid(field, "must be a time from 0001-01-01 to 9999-12-31");
  return value;
}
