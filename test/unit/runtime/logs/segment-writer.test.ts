// The daemon's log writer on a disk that fails: a line that cannot be written is dropped and counted, the failure is
// said once on stderr, the stream never errors (through pino that would end auraed), and once writing works again
// the log says how many lines were lost. The failures are real: a segment that is /dev/full (ENOSPC on every
// write) and a segment name taken by a directory (EISDIR when a rotation opens it).
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rmdir, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { SegmentWriter } from "../../../../src/runtime/logs/segment-writer.js";
import { segmentName } from "../../../../src/runtime/logs/segments.js";
import { tempDir } from "../../helpers/temp-dir.js";

function writerIn(t: TestContext, dir: string, maxBytes = 1 << 20) {
  const said: string[] = [];
  const writer = new SegmentWriter({ dir, maxBytes, maxFiles: 10, stderr: { write: (text: string) => said.push(text) } });
  const errors: unknown[] = [];
  writer.on("error", (err) => errors.push(err));
  t.after(() => writer.destroy());
  /** Writes lines as pino does, and waits until the writer took them. */
  const write = (...lines: string[]): Promise<void> =>
    new Promise((resolve, reject) => writer.write(lines.map((l) => `${l}\n`).join(""), (err) => (err ? reject(err) : resolve())));
  return { writer, said, errors, write };
}

const linesOf = async (path: string): Promise<string[]> =>
  (await readFile(path, "utf8")).split("\n").filter(Boolean).map((record) => record.split(" stdout F ")[1]!);

test("a full disk drops lines and says so once; once there is room, the log says how many were lost", async (t) => {
  const dir = await tempDir(t);
  const segment = join(dir, segmentName(0));
  await symlink("/dev/full", segment); // every write: ENOSPC
  const { writer, said, errors, write } = writerIn(t, dir);
  await write("one", "two");
  await write("three");
  assert.deepEqual(writer.health, { linesLost: 3, failing: writer.health.failing });
  assert.match(writer.health.failing!, /ENOSPC/);
  const writerFailure = writer.health.failing;
  assert.equal(said.length, 1, said.join(""));
  assert.match(said[0]!, /cannot write the daemon log in .*ENOSPC.*serving goes on/);

  await unlink(segment); // room again: the name is a plain file from now on
  await write("four");
  const [notice, four] = await linesOf(segment);
  assert.deepEqual(JSON.parse(notice!), { level: 40, time: JSON.parse(notice!).time, pid: process.pid, msg: "lines of this log were lost: writing it failed", lost: 3, reason: writerFailure });
  assert.equal(four, "four");
  assert.deepEqual(writer.health, { linesLost: 3 });
  assert.match(said[1]!, /is written again/);
  assert.deepEqual(errors, []);
});

test("a rotation that cannot open its next segment loses lines, not the writer; it opens it once it can", async (t) => {
  const dir = await tempDir(t);
  const { writer, said, errors, write } = writerIn(t, dir, 64);
  await write("first line of the first segment");
  const size = (await readFile(join(dir, segmentName(0)))).length;
  await mkdir(join(dir, segmentName(size))); // the next segment's name is taken
  await write("rotates, fails");
  assert.match(writer.health.failing!, /EISDIR/);
  assert.equal(writer.health.linesLost, 1);
  await rmdir(join(dir, segmentName(size)));
  await write("after");
  const [first, ...later] = (await readdir(dir)).sort();
  assert.equal(first, segmentName(0));
  assert.equal(later[0], segmentName(size), "the rotation opened the segment it could not open before");
  const next = (await Promise.all(later.map((name) => linesOf(join(dir, name))))).flat();
  const notice = JSON.parse(next[0]!) as { lost: number; reason: string };
  assert.equal(notice.lost, 1);
  assert.match(notice.reason, /EISDIR/);
  assert.deepEqual(next.slice(1), ["after"]);
  assert.equal(said.length, 2);
  assert.deepEqual(errors, []);
});
