// The test helper's view of a daemon that something else killed with a signal: it is no longer running (its pid
// is gone), stopping it is a no-op, and it starts again on the same dirs. A child killed by a signal keeps
// exitCode null, so a helper looking at exitCode alone would wait for an exit that already happened.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { sleep } from "../../helpers/executables.js";

const aurae = useDaemon();

test("a daemon killed by a signal is not running: no pid, stop returns, start serves again", async () => {
  const pid = aurae.pid;
  assert.ok(pid !== undefined, "running at first");
  process.kill(pid, "SIGKILL");
  for (let waitedMs = 0; aurae.pid !== undefined && waitedMs < 5000; waitedMs += 20) await sleep(20);
  assert.equal(aurae.pid, undefined, "killed by SIGKILL, yet the helper still gives its pid");
  await aurae.stop();
  await aurae.kill9();
  await aurae.start();
  assert.notEqual(aurae.pid, undefined);
  assert.notEqual(aurae.pid, pid);
  await aurae.client.cells.list({});
});
