import assert from "node:assert/strict";
import { test } from "node:test";
import { type Command, InvalidArgumentError } from "commander";
import { buildProgram } from "../../../src/cli/program.js";
import { formatBytes, formatDuration, formatDurationExactly, formatUsage, parseDurationMs, parseInteger, parseSize, parseTime } from "../../../src/cli/units.js";

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
  ["1d", 86_400_000],
  ["0", 0],
] as const) {
  test(`parseDurationMs reads "${text}" as ${ms} ms`, () => {
    assert.equal(parseDurationMs(text), ms);
  });
}

for (const text of ["", "s", "-1s", "10 s", "10sec", "1w", "1h30m"]) {
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

test("parseTime reads ages back from now (10m and -10m alike), RFC 3339 times, and refuses the rest", () => {
  const now = Date.parse("2026-11-24T22:00:00Z");
  assert.equal(parseTime("10m", now).toISOString(), "2026-11-24T21:50:00.000Z");
  assert.equal(parseTime("-1h", now).toISOString(), "2026-11-24T21:00:00.000Z");
  assert.equal(parseTime("2d", now).toISOString(), "2026-11-22T22:00:00.000Z");
  assert.equal(parseTime("2026-11-24T20:30:00+01:00", now).toISOString(), "2026-11-24T19:30:00.000Z");
  assert.throws(() => parseTime("yesterday", now), InvalidArgumentError);
});

for (const [ms, text] of [[850, "850ms"], [12_400, "12s"], [300_000, "5m"], [3 * 3_600_000 + 1, "3h"], [2 * 86_400_000, "2d"], [-5, "0ms"]] as const) {
  test(`formatDuration shows ${ms} ms as "${text}"`, () => assert.equal(formatDuration(ms), text));
}

for (const [bytes, text] of [[512, "512B"], [1536, "1.5K"], [3.4 * 2 ** 20, "3.4M"], [2 ** 30, "1.0G"]] as const) {
  test(`formatUsage shows ${bytes} bytes as "${text}"`, () => assert.equal(formatUsage(BigInt(Math.round(bytes))), text));
}

for (const [ms, text] of [[86_400_000, "1d"], [90_000, "90s"], [1000, "1s"], [2500, "2500ms"], [36 * 3_600_000, "36h"], [0, "0ms"]] as const) {
  test(`formatDurationExactly shows ${ms} ms as "${text}", which reads back as ${ms} ms`, () => {
    assert.equal(formatDurationExactly(ms), text);
    assert.equal(parseDurationMs(text), ms);
  });
}

test("every aer option that takes a duration shows its default in --help with a unit, as it is typed", () => {
  const commands = (command: Command): Command[] => [command, ...command.commands.flatMap(commands)];
  const withDefaults = commands(buildProgram()).flatMap((command) =>
    command.options.filter((option) => option.flags.includes("<duration>") && option.defaultValue !== undefined).map((option) => ({ command, option })),
  );
  assert.ok(withDefaults.length >= 3, "pki issue --ttl, top --interval and the lists' --interval have defaults");
  for (const { command, option } of withDefaults) {
    const help = command.createHelp().optionDescription(option);
    assert.match(help, /\(default: \d+(ms|s|m|h|d)\)$/, `${command.name()} ${option.long}: ${help}`);
  }
});
