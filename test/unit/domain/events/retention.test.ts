import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_RETENTION, parseDurationMs } from "../../../../src/domain/events/retention.js";

test("keeps 100,000 events for 7 days by default", () => {
  assert.deepEqual(DEFAULT_RETENTION, { maxEvents: 100_000, maxAgeMs: 7 * 86_400_000 });
});

test("reads durations in days, hours, minutes, seconds and milliseconds", () => {
  assert.equal(parseDurationMs("7d", "--events-max-age"), 604_800_000);
  assert.equal(parseDurationMs("12h", "--events-max-age"), 43_200_000);
  assert.equal(parseDurationMs("30m", "--events-max-age"), 1_800_000);
  assert.equal(parseDurationMs("45s", "--events-max-age"), 45_000);
  assert.equal(parseDurationMs("500ms", "--events-max-age"), 500);
});

for (const text of ["", "7", "0d", "-1h", "1.5h", "7 d", "1w", "d", "99999999999999999d"]) {
  test(`refuses the duration ${JSON.stringify(text)}, naming the flag`, () => {
    assert.throws(() => parseDurationMs(text, "--events-max-age"), {
      kind: "invalid",
      field: "--events-max-age",
      message: `--events-max-age: must be a positive duration such as 7d, 12h or 30m, got "${text}"`,
    });
  });
}
