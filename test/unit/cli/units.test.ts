import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "commander";
import { formatBytes, parseDurationMs, parseInteger, parseSize } from "../../../src/cli/units.js";

const MIB = 2n ** 20n;

for (const [text, bytes] of [
  ["4096", 4096n],
  ["0", 0n],
  ["32M", 32n * MIB],
  ["32m", 32n * MIB],
  ["32MiB", 32n * MIB],
  ["32MB", 32n * MIB],
  ["32 M", 32n * MIB],
  [" 64K ", 64n * 1024n],
  ["1.5G", 3n * 2n ** 29n],
  ["2T", 2n * 2n ** 40n],
] as const) {
  test(`parseSize reads "${text}" as ${bytes} bytes, in binary multiples`, () => {
    assert.equal(parseSize(text), bytes);
  });
}

test('parseSize reads "32Mi" as 32 MiB and refuses a suffix without a unit ("32iB")', () => {
  assert.equal(parseSize("32Mi"), 32n * MIB);
  assert.throws(() => parseSize("32iB"));
});

for (const text of ["", "M", "-1", "1.2.3", "10X", "1e6", "12 MiBs", "0x10"]) {
  test(`parseSize refuses "${text}" as a commander argument error quoting it`, () => {
    assert.throws(() => parseSize(text), (err: Error) => {
      assert.ok(err instanceof InvalidArgumentError);
      assert.equal(err.message, `"${text}" is not a size such as 64M or 1G`);
      return true;
    });
  });
}

for (const [text, ms] of [
  ["500ms", 500],
  ["250", 250],
  ["10s", 10_000],
  ["1.5s", 1500],
  ["2m", 120_000],
  ["1h", 3_600_000],
  ["0", 0],
] as const) {
  test(`parseDurationMs reads "${text}" as ${ms} ms`, () => {
    assert.equal(parseDurationMs(text), ms);
  });
}

for (const text of ["", "s", "-1s", "10 s", "10sec", "1d", "1h30m"]) {
  test(`parseDurationMs refuses "${text}"`, () => {
    assert.throws(() => parseDurationMs(text), { name: "InvalidArgumentError", message: `"${text}" is not a duration such as 500ms, 10s or 2m` });
  });
}

test("parseInteger reads signed integers and refuses anything else", () => {
  assert.equal(parseInteger("42"), 42);
  assert.equal(parseInteger("-7"), -7);
  for (const bad of ["", "1.5", "1e3", "abc"]) assert.throws(() => parseInteger(bad), InvalidArgumentError, bad);
});

for (const [bytes, text] of [
  [undefined, "-"],
  [0n, "0"],
  [1023n, "1023"],
  [1024n, "1K"],
  [1536n, "1536"],
  [32n * MIB, "32M"],
  [3n * 2n ** 29n, "1536M"],
  [2n ** 30n, "1G"],
  [2n ** 40n, "1024G"],
  [32n * MIB + 1n, "33554433"],
] as const) {
  test(`formatBytes shows ${String(bytes)} as "${text}": the largest unit that divides it exactly`, () => {
    assert.equal(formatBytes(bytes), text);
  });
}

test("formatBytes and parseSize round-trip whole multiples", () => {
  for (const text of ["1K", "32M", "3G"]) assert.equal(formatBytes(parseSize(text)), text);
});
