// The shim's log directory (native/src/segments.c): segments named by their global start, rotated by size at record
// boundaries, the oldest deleted beyond --log-max-files, a restarted executable continuing the newest one.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import {
  buildShim,
  opts,
  runToError,
  runToExit,
  segmentName,
  segmentRecords,
  startShim,
  tempDir,
  useCleanup,
  type Shim,
} from "./shim-harness.js";

const CRI_MAX_LINE = 16384;
/** `<30-char RFC3339Nano> stdout F ` before the content, `\n` after it. */
const RECORD_OVERHEAD = 41;

before(buildShim);

const rotation = (maxBytes: number, maxFiles: number): string[] =>
  ["--log-max-bytes", String(maxBytes), "--log-max-files", String(maxFiles)];

const numbers = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Where `seq`'s line n starts in the log: the records of 1..n-1 before it. */
const offsetOfLine = (n: number): number =>
  numbers(1, n - 1).reduce((sum, i) => sum + RECORD_OVERHEAD + String(i).length, 0);

/** Each segment starts where the one before it ends. */
function assertContiguous(shim: Shim): void {
  const segments = shim.segments();
  for (let i = 1; i < segments.length; i++)
    assert.equal(segments[i]!.start, segments[i - 1]!.start + segments[i - 1]!.size, `segment ${segments[i]!.name}`);
}

test("rotates 20,000 lines into segments named by their global start, keeps the newest 3, loses no line between them", opts, async (t) => {
  const defer = useCleanup(t);
  const logDir = tempDir(defer);
  fs.writeFileSync(path.join(logDir, "notes.txt"), "not a segment\n");
  const shim = await runToExit(t, { argv: ["seq", "1", "20000"], logDir, flags: rotation(4096, 3) });
  const segments = shim.segments();
  assert.equal(segments.length, 3);
  assertContiguous(shim);
  const lines = shim.contents("stdout").map(Number);
  assert.deepEqual(lines, numbers(lines[0]!, 20000));
  assert.equal(segments[0]!.start, offsetOfLine(lines[0]!), "the oldest kept segment is named by its global offset");
  for (const [i, segment] of segments.entries()) {
    assert.ok(segment.size <= 4096, `${segment.name} holds ${segment.size} bytes`);
    const next = segments[i + 1] && segmentRecords(logDir, segments[i + 1]!)[0]!;
    if (next) assert.ok(segment.size + RECORD_OVERHEAD + next.content.length > 4096, `${segment.name} rotated while it had room`);
  }
  assert.equal(fs.readFileSync(path.join(logDir, "notes.txt"), "utf8"), "not a segment\n");
});

test("a record larger than --log-max-bytes goes alone into a segment of its own", opts, async (t) => {
  const script = "echo a; head -c 10000 /dev/zero | tr '\\0' x; echo; echo b";
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", script], flags: rotation(4096, 10) });
  const big = RECORD_OVERHEAD + 10000;
  assert.deepEqual(
    shim.segments().map((s) => [s.name, s.size]),
    [
      [segmentName(0), 42],
      [segmentName(42), big],
      [segmentName(42 + big), 42],
    ],
  );
  assert.deepEqual(shim.contents("stdout"), ["a", "x".repeat(10000), "b"]);
});

test("a 1 MiB line without a newline comes back whole from P records, then F, one per segment", opts, async (t) => {
  const shim = await runToExit(t, {
    argv: ["/bin/sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' z"],
    flags: rotation(4096, 100),
  });
  const records = shim.records();
  assert.deepEqual(
    records.map((r) => r.tag),
    [...Array(63).fill("P"), "F"], // 64 x 16 KiB: the last piece ends the line at EOF
  );
  assert.equal(Buffer.concat(records.map((r) => r.content)).toString(), "z".repeat(1 << 20));
  assert.equal(shim.segments().length, 64);
  assert.ok(shim.segments().every((s, i) => s.start === i * (RECORD_OVERHEAD + CRI_MAX_LINE)));
});

test("a second run on the same directory appends to the newest segment and goes on from there", opts, async (t) => {
  const logDir = path.join(tempDir(useCleanup(t)), "log");
  const first = await runToExit(t, { argv: ["seq", "1", "150"], logDir, flags: rotation(4096, 10) });
  const before = first.segments();
  const newest = before.at(-1)!;
  const newestBytes = fs.readFileSync(path.join(logDir, newest.name));
  const second = await runToExit(t, { argv: ["seq", "151", "300"], logDir, flags: rotation(4096, 10) });
  const after = second.segments();
  assert.deepEqual(after.slice(0, before.length).map((s) => s.name), before.map((s) => s.name));
  const appended = fs.readFileSync(path.join(logDir, newest.name));
  assert.ok(appended.length > newestBytes.length && appended.subarray(0, newestBytes.length).equals(newestBytes));
  assert.ok(after.length > before.length, "the second run rotated too");
  assertContiguous(second);
  assert.deepEqual(second.contents("stdout").map(Number), numbers(1, 300));
});

test("a run with a smaller --log-max-files deletes the oldest segments at start", opts, async (t) => {
  const logDir = path.join(tempDir(useCleanup(t)), "log");
  const first = await runToExit(t, { argv: ["seq", "1", "1000"], logDir, flags: rotation(4096, 10) });
  const newest = first.segments().at(-1)!.name;
  assert.ok(first.segments().length > 2);
  const second = await runToExit(t, { argv: ["true"], logDir, flags: rotation(4096, 1) });
  assert.deepEqual(second.segments().map((s) => s.name), [newest]);
});

test("two shims appending to one directory at once, rotating, never split a line", opts, async (t) => {
  const defer = useCleanup(t);
  const logDir = tempDir(defer);
  const shims = ["a", "b"].map((tag) =>
    startShim(defer, { argv: ["seq", "-f", `${tag} %g`, "1", "20000"], logDir, flags: rotation(4096, 100_000) }),
  );
  for (const shim of shims) {
    await shim.started();
    assert.deepEqual(await shim.finish(), { lines: ["exited"], code: 0 });
  }
  const lines = shims[0]!.contents("stdout"); // every segment parses: records() asserts whole lines
  for (const tag of ["a", "b"])
    assert.deepEqual(
      lines.filter((l) => l.startsWith(`${tag} `)),
      numbers(1, 20000).map((n) => `${tag} ${n}`),
    );
  assert.equal(lines.length, 40000);
});

test("refuses bad log options, naming the option", opts, async (t) => {
  for (const [flags, message] of [
    [["--log-max-bytes", "4095"], "--log-max-bytes 4095: want a number of bytes, at least 4096"],
    [["--log-max-bytes", "1e6"], "--log-max-bytes 1e6: want a number of bytes, at least 4096"],
    [["--log-max-files", "0"], "--log-max-files 0: want a number of segments, at least 1"],
  ] as const) {
    const { errno, message: got } = await runToError(t, { argv: ["true"], flags: [...flags] });
    assert.equal(errno, os.constants.errno.EINVAL);
    assert.equal(got, `${message}: Invalid argument`);
  }
  const relative = await runToError(t, { argv: ["true"], logDir: "log" });
  assert.equal(relative.message, "--log-dir log: must be an absolute path: Invalid argument");
});

test("a log directory whose parent is missing is reported naming it, and nothing runs", opts, async (t) => {
  const logDir = path.join(tempDir(useCleanup(t)), "missing", "log");
  const { errno, message } = await runToError(t, { argv: ["true"], logDir });
  assert.equal(errno, os.constants.errno.ENOENT);
  assert.equal(message, `create log directory ${logDir}: No such file or directory`);
});
