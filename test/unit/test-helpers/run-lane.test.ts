// The v2 lane retries a file under TCG only when node died of a signal while running it, never a failed assertion.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { onlyCrashedFiles } from "../../v2/run-lane.js";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));

const crash = (n: number, file: string) =>
  `not ok ${n} - ${join(REPO, file)}\r\n  ---\r\n  duration_ms: 9200.6\r\n  failureType: 'testCodeFailure'\r\n  exitCode: ~\r\n  signal: 'SIGSEGV'\r\n  error: 'test failed'\r\n  ...\r\n`;
const ok = (n: number) => `ok ${n} - a test that passed\r\n  ---\r\n  duration_ms: 3\r\n  ...\r\n`;
const assertion = (n: number) => `not ok ${n} - a cell's limits are in memory.max\r\n  ---\r\n  failureType: 'testCodeFailure'\r\n  error: 'expected 1'\r\n  ...\r\n`;

test("names the files node crashed in, relative to the repository", () => {
  const tap = `TAP version 13\r\n${crash(1, "test/e2e/cells/cells.test.ts")}${ok(2)}${crash(3, "test/e2e/cells/free.test.ts")}1..3\r\n`;
  assert.deepEqual(onlyCrashedFiles(tap), ["test/e2e/cells/cells.test.ts", "test/e2e/cells/free.test.ts"]);
});

test("retries nothing when any failure is a test's own, or when nothing failed", () => {
  assert.deepEqual(onlyCrashedFiles(`${crash(1, "test/e2e/cells/cells.test.ts")}${assertion(2)}`), []);
  assert.deepEqual(onlyCrashedFiles(`${ok(1)}${ok(2)}`), []);
});
