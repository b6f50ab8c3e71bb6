// One rule for every Timestamp the API reads: google.protobuf.Timestamp's own range, nanos included.
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateTimestamp } from "../../../../src/daemon/convert/timestamp.js";

const MIN_SECONDS = -62_135_596_800n; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z

test("accepts the first and the last instant a Timestamp may hold", () => {
  assert.deepEqual(validateTimestamp({ seconds: MIN_SECONDS, nanos: 0 }, "since"), { seconds: MIN_SECONDS, nanos: 0 });
  assert.deepEqual(validateTimestamp({ seconds: MAX_SECONDS, nanos: 999_999_999 }, "since"), { seconds: MAX_SECONDS, nanos: 999_999_999 });
});

for (const [what, value, message] of [
  ["nanos -1", { seconds: 0n, nanos: -1 }, /since: nanos must be from 0 to 999999999, got -1/],
  ["nanos 1e9", { seconds: 0n, nanos: 1_000_000_000 }, /since: nanos must be from 0 to 999999999, got 1000000000/],
  ["seconds past 9999-12-31", { seconds: MAX_SECONDS + 1n, nanos: 0 }, /since: must be a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59\.999999999Z, got seconds 253402300800/],
  ["seconds before 0001-01-01", { seconds: MIN_SECONDS - 1n, nanos: 0 }, /since: must be a time from .*, got seconds -62135596801/],
] as const)
  test(`refuses ${what} as invalid, naming the field`, () => {
    assert.throws(() => validateTimestamp(value, "since"), { kind: "invalid", field: "since", message });
  });
