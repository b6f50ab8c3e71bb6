import { invalid } from "../../errors.js";
import type { Timestamp } from "../../gen/google/protobuf/timestamp.js";

// google.protobuf.Timestamp's own rule (timestamp.proto): seconds from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z,
// nanos from 0 to 999,999,999. ts-proto folds nanos into a Date (1e9 nanos pass as the next second, -1 as the
// millisecond before), rounds the last nanosecond of 9999 up to the year 10000 and turns seconds past what a Date holds
// into an Invalid Date: the rule is checked on each Timestamp as sent, when its request is decoded (exact-timestamps.ts).
const MIN_SECONDS = -62_135_596_800n;
const MAX_SECONDS = 253_402_300_799n;
const MAX_NANOS = 999_999_999;

/** The Timestamp, refused unless it keeps google.protobuf.Timestamp's rule: INVALID_ARGUMENT naming the field. */
export function validateTimestamp(value: Timestamp, field: string): Timestamp {
  const { seconds, nanos } = value;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS)
    throw invalid(field, `must be a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z, got seconds ${seconds}`);
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > MAX_NANOS) throw invalid(field, `nanos must be from 0 to ${MAX_NANOS}, got ${nanos}`);
  return value;
}
