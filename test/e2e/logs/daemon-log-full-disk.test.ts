// auraed on a state directory whose disk fills: its own log can no longer be written, and it serves on, says so on
// stderr and in Info, and writes its log again (saying how many lines were lost) once there is room. The disk is a 64 KiB tmpfs
// mounted on the daemon-log directory of this test's state directory, unmounted at the end.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { spawnAuraed } from "../../helpers/auraed-process.js";
import { useDaemon } from "../../helpers/daemon.js";
import { sleep } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

test("a full disk under the daemon's log: auraed serves on, says so, and logs again once there is room", async (t) => {
  await aurae.stop();
  const logDir = join(aurae.stateDir, "daemon-log");
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0750", "tmpfs", logDir]);
  const auraed = spawnAuraed(aurae);
  t.after(async () => {
    await auraed.stop(); // its log's files closed first, so the tmpfs is not busy
    execFileSync("umount", [logDir]);
  });
  const client = await aurae.connect();
  for (let i = 0; (await client.health.check({}, { deadline: 1000 }).then((r) => r.status, () => 0)) !== 1; i++) {
    assert.ok(i < 200 && auraed.child.exitCode === null, `auraed did not serve:\n${auraed.output()}`);
    await sleep(50);
  }

  // Each change is a line of the log (calls that change something are logged at info).
  for (let i = 0; !auraed.output().includes("cannot write the daemon log"); i++) {
    assert.ok(i < 1000, `64 KiB of log lines written without a failure:\n${auraed.output().slice(-2000)}`);
    const name = uniqueName("fill");
    await client.cells.allocate({ spec: { name } });
    await client.cells.free({ name });
  }
  assert.match(auraed.output(), /cannot write the daemon log in .*daemon-log \(ENOSPC.*serving goes on/);
  const cell = uniqueName("full");
  await client.cells.allocate({ spec: { name: cell } }); // it serves on, changes included
  await client.cells.free({ name: cell });
  assert.equal(auraed.child.exitCode, null);
  const failing = await client.node.info({});
  assert.ok(failing.daemonLogLinesLost > 0n, "Info counts the lines lost");
  assert.match(failing.daemonLogError, /ENOSPC/);

  execFileSync("mount", ["-o", "remount,size=1m", logDir]); // room again
  await client.cells.allocate({ spec: { name: cell } }); // a change: a line of the log
  await client.cells.free({ name: cell });
  for (let i = 0; !/the daemon log in .* is written again/.test(auraed.output()); i++) {
    assert.ok(i < 100, `auraed did not say its log is written again:\n${auraed.output().slice(-2000)}`);
    await sleep(50);
  }
  const healed = await client.node.info({});
  assert.equal(healed.daemonLogError, "");
  assert.ok(healed.daemonLogLinesLost >= failing.daemonLogLinesLost);
  const lines: Record<string, unknown>[] = [];
  for await (const { entries } of client.observe.getDaemonLogs({ level: "warn" }))
    lines.push(...entries.map((e) => JSON.parse(Buffer.from(e.line).toString()) as Record<string, unknown>));
  const notice = lines.find((l) => l.msg === "lines of this log were lost: writing it failed");
  assert.ok(notice && (notice.lost as number) > 0 && /ENOSPC/.test(notice.reason as string), JSON.stringify(notice));
  await auraed.stop();
});
