// aer exec: start, get, list, signal, stop and wait in table, JSON and YAML, -q, --watch, and exit codes on failure.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerOf, eventually, spawnAer } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

async function cellForTest(t: { after: (fn: () => unknown) => void }): Promise<string> {
  const cell = uniqueName("cli-exec");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell, "--stop", "--grace", "1s"));
  return cell;
}

test("exec start prints the executable; -o json is the protobuf JSON of an Executable with every field present", async (t) => {
  const cell = await cellForTest(t);
  const started = await aer("-o", "json", "exec", "start", cell, "sleeper", "--restart", "on-failure", "--max-restarts", "3", "-e", "A=1", "--", "sleep", "300");
  assert.equal(started.code, 0, started.stderr);
  const x = JSON.parse(started.stdout);
  assert.deepEqual(Object.keys(x).sort(), ["spec", "status"]);
  assert.equal(x.spec.cellName, cell);
  assert.equal(x.spec.name, "sleeper");
  assert.deepEqual(x.spec.argv, ["sleep", "300"]);
  assert.deepEqual(x.spec.env, { A: "1" });
  assert.equal(x.spec.shell, false);
  assert.equal(x.spec.restart.mode, "RESTART_MODE_ON_FAILURE");
  assert.equal(x.spec.restart.maxRestarts, 3);
  assert.equal(x.status.state, "EXECUTABLE_STATE_RUNNING");
  assert.ok(x.status.pid > 0);
  assert.equal(x.status.restartCount, 0);
  assert.equal(x.status.exit, undefined, "no exit while it runs");

  const table = await aer("exec", "get", cell, "sleeper");
  assert.match(table.stdout, /^CELL\s+NAME\s+STATE\s+PID\s+EXIT\s+RESTARTS\s+COMMAND\n/);
  assert.match(table.stdout, new RegExp(`^${cell}\\s+sleeper\\s+running\\s+${x.status.pid}\\s+-\\s+0\\s+sleep 300$`, "m"));
  assert.equal((await aer("-q", "exec", "get", cell, "sleeper")).stdout, `${cell}/sleeper\n`);
  assert.match((await aer("-o", "yaml", "exec", "get", cell, "sleeper")).stdout, /^status:\n {2}state: EXECUTABLE_STATE_RUNNING\n/m);

  // A signal the restart policy would answer with a restart goes to an executable without one.
  assert.equal((await aer("exec", "start", cell, "once", "--", "sleep", "300")).code, 0);
  assert.deepEqual(await aer("exec", "signal", cell, "once", "TERM"), { code: 0, stdout: "", stderr: "" });
  const waited = await aer("-o", "json", "exec", "wait", cell, "once");
  assert.equal(waited.code, 10, "ended by a signal: exec wait's code for a failed executable");
  assert.equal(waited.stderr, "", "no progress when stderr is not a terminal");
  const exit = JSON.parse(waited.stdout).status.exit;
  assert.equal(exit.signal, 15);
  assert.equal(exit.oomKilled, false);
});

test("exec stop sends the signal, then SIGKILL after the grace period, and prints the exited executable", async (t) => {
  const cell = await cellForTest(t);
  assert.equal((await aer("exec", "start", cell, "stubborn", "--shell", "--", "trap '' TERM; sleep 300")).code, 0);
  const stopped = await aer("exec", "stop", cell, "stubborn", "--grace", "200ms");
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, new RegExp(`^${cell}\\s+stubborn\\s+exited\\s+\\d+\\s+signal SIGKILL`, "m"));
});

test("exec list prints every executable: a JSON array, -q cell/name lines, --cell to narrow, --watch to follow", async (t) => {
  const cell = await cellForTest(t);
  for (const name of ["one", "two"]) assert.equal((await aer("exec", "start", cell, name, "--", "true")).code, 0);
  assert.equal((await aer("-q", "exec", "list", "--cell", cell)).stdout, `${cell}/one\n${cell}/two\n`);
  const json = JSON.parse((await aer("-o", "json", "exec", "list", "--cell", cell)).stdout);
  assert.deepEqual(json.map((x: { spec: { name: string } }) => x.spec.name), ["one", "two"]);

  const watch = spawnAer(t, aurae, ["-q", "exec", "list", "--cell", cell, "--watch", "--interval", "10m"]);
  await eventually("the first list", () => watch.stdout().includes(`${cell}/two\n`));
  assert.equal((await aer("exec", "start", cell, "three", "--", "true")).code, 0);
  await eventually("the list again with the new executable", () => watch.stdout().includes(`${cell}/three\n`), 5000);
  assert.match(watch.stdout(), new RegExp(`${cell}/two\\n\\n${cell}/one\\n`), "each version after a blank line");
});

test("exec wait exits 10 when the executable failed (a code other than 0, a signal), 0 when it exited 0, and prints it either way", async (t) => {
  const cell = await cellForTest(t);
  assert.equal((await aer("exec", "start", cell, "fails", "--shell", "--", "exit 3")).code, 0);
  const failed = await aer("-o", "json", "exec", "wait", cell, "fails");
  assert.equal(failed.code, 10, failed.stderr);
  assert.equal(JSON.parse(failed.stdout).status.exit.code, 3);
  assert.equal((await aer("exec", "start", cell, "killed", "--shell", "--", "kill -KILL $$")).code, 0);
  const killed = await aer("-q", "exec", "wait", cell, "killed");
  assert.deepEqual(killed, { code: 10, stdout: `${cell}/killed\n`, stderr: "" });
  assert.equal((await aer("exec", "start", cell, "fine", "--", "true")).code, 0);
  assert.equal((await aer("exec", "wait", cell, "fine")).code, 0);
});

test("exec commands exit 3 for a missing executable, 7 for a refused name, 6 when not running, 5 when wait times out, 2 on usage", async (t) => {
  const cell = await cellForTest(t);
  const missing = await aer("exec", "get", cell, "nothing");
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /^aer: executable "nothing" not found in cell "[^"]+"\n$/);
  assert.equal((await aer("exec", "stop", cell, "nothing")).code, 3);
  assert.equal((await aer("exec", "start", cell, "Bad Name", "--", "true")).code, 7);
  assert.equal((await aer("exec", "start", cell, "done", "--", "true")).code, 0);
  assert.equal((await aer("exec", "wait", cell, "done")).code, 0);
  const notRunning = await aer("exec", "signal", cell, "done", "HUP");
  assert.equal(notRunning.code, 6, notRunning.stderr);
  assert.equal((await aer("exec", "start", cell, "long", "--", "sleep", "300")).code, 0);
  const timedOut = await aer("exec", "wait", cell, "long", "--timeout", "1s");
  assert.deepEqual(timedOut, {
    code: 5,
    stdout: "",
    stderr: `aer: ${cell}/long has not exited after 1s (wait longer with --timeout, or end it with "aer exec stop ${cell} long")\n`,
  });
  assert.equal((await aer("exec", "signal", cell, "long", "NOSUCHSIGNAL")).code, 2);
  assert.equal((await aer("exec", "start", cell, "x", "--restart", "sometimes", "--", "true")).code, 2);
});
