import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { parseShimStatus, readShimPid, readShimStatus, statusPath } from "../../../../src/runtime/shim/shim-status.js";
import { tempDir } from "../../helpers/temp-dir.js";

const PATH = "/var/lib/aurae/executables/web/api/status.json";

/** A record as native/src/status.c writes it: times as decimal strings, so no digit is lost to a double. */
const record = (change: Record<string, unknown> = {}): string =>
  JSON.stringify({
    pid: 4242,
    startedAtUnixNano: "1795559280123456789",
    exitedAtUnixNano: "1795559281987654321",
    exitCode: 0,
    signal: null,
    oomKilled: false,
    cpuUserUs: 1500,
    cpuSystemUs: 250,
    logClosed: true,
    ...change,
  });

test("parses an exit with a code, keeping every digit of the times", () => {
  assert.deepEqual(parseShimStatus(record({ exitCode: 3 }), PATH), {
    pid: 4242,
    startedAtUnixNano: 1_795_559_280_123_456_789n,
    exitedAtUnixNano: 1_795_559_281_987_654_321n,
    exitCode: 3,
    signal: null,
    oomKilled: false,
    cpuUserUs: 1500,
    cpuSystemUs: 250,
    logClosed: true,
  });
});

test("reads CPU times as 0 from a shim that did not record them", () => {
  const status = parseShimStatus(record({ cpuUserUs: undefined, cpuSystemUs: undefined }), PATH);
  assert.equal(status.cpuUserUs, 0);
  assert.equal(status.cpuSystemUs, 0);
});

test("parses a death by signal, OOM kill and an open log", () => {
  const status = parseShimStatus(record({ exitCode: null, signal: 9, oomKilled: true, logClosed: false }), PATH);
  assert.equal(status.exitCode, null);
  assert.equal(status.signal, 9);
  assert.equal(status.oomKilled, true);
  assert.equal(status.logClosed, false);
});

for (const [what, text, reason] of [
  ["without pid", record({ pid: undefined }), "missing pid, oomKilled or logClosed"],
  ["without oomKilled", record({ oomKilled: undefined }), "missing pid, oomKilled or logClosed"],
  ["with logClosed not a boolean", record({ logClosed: "yes" }), "missing pid, oomKilled or logClosed"],
  ["with both exitCode and signal", record({ exitCode: 0, signal: 9 }), "needs exactly one of exitCode and signal"],
  ["with neither exitCode nor signal", record({ exitCode: null, signal: null }), "needs exactly one of exitCode and signal"],
  ["with exitCode and signal both absent", record({ exitCode: undefined, signal: undefined }), "needs exactly one of exitCode and signal"],
  ["with exitCode a string", record({ exitCode: "0" }), "exitCode is not a number"],
  ["with signal a string", record({ exitCode: null, signal: "9" }), "signal is not a number"],
  ["with cpuUserUs a string", record({ cpuUserUs: "1500" }), "cpuUserUs is not a count of microseconds"],
  ["with cpuSystemUs negative", record({ cpuSystemUs: -1 }), "cpuSystemUs is not a count of microseconds"],
] as const) {
  test(`refuses a record ${what}, naming the file`, () => {
    assert.throws(() => parseShimStatus(text, PATH), { name: "AuraeError", kind: "internal", message: `${PATH} is corrupt: ${reason}` });
  });
}

for (const [what, text] of [
  ["that is not JSON", '{"pid": 1'],
  ["without startedAtUnixNano", record({ startedAtUnixNano: undefined })],
  ["with a time that is not a number", record({ exitedAtUnixNano: "soon" })],
  ["that is JSON null", "null"],
] as const) {
  test(`refuses a record ${what} as corrupt, naming the file`, () => {
    assert.throws(() => parseShimStatus(text, PATH), { kind: "internal", message: new RegExp(`^${PATH} is corrupt: `) });
  });
}

test("readShimStatus reads <stateDir>/status.json at once (no promise), and answers undefined while there is none", async (t) => {
  const dir = await tempDir(t, "aurae-shim-status-");
  assert.equal(statusPath(dir), join(dir, "status.json"));
  assert.equal(readShimStatus(dir), undefined);
  await writeFile(join(dir, "status.json"), record({ exitCode: 7 }));
  assert.equal(readShimStatus(dir)?.exitCode, 7);
});

test("readShimPid reads the workload's pid, and answers undefined while there is none or it is not a pid", async (t) => {
  const dir = await tempDir(t, "aurae-shim-status-");
  assert.equal(readShimPid(dir), undefined);
  await writeFile(join(dir, "pid"), "garbage\n");
  assert.equal(readShimPid(dir), undefined);
  await writeFile(join(dir, "pid"), "4242\n");
  assert.equal(readShimPid(dir), 4242);
});
