// useDaemon's teardown fails on error-level daemon log lines no test declared: the filter that decides it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { unexpectedErrors } from "../../helpers/daemon.js";

const line = (level: number, msg: string): string => JSON.stringify({ level, time: 1, pid: 7, msg });
const LOG = [
  line(30, "auraed serving"),
  line(40, "refused a handshake"),
  line(50, "the shim died without recording an exit; recording the executable as lost"),
  line(60, "cannot open the database"),
  "not JSON: a stray stderr line",
  "",
].join("\n");

test("error and fatal lines are unexpected unless a pattern declares them; lower levels never are", () => {
  assert.deepEqual(unexpectedErrors(LOG, []), [LOG.split("\n")[2], LOG.split("\n")[3]]);
  assert.deepEqual(unexpectedErrors(LOG, [/the shim died/]), [LOG.split("\n")[3]]);
  assert.deepEqual(unexpectedErrors(LOG, [/the shim died/, /"level":60/]), []);
  assert.deepEqual(unexpectedErrors(line(40, "reload failed"), []), []);
});
