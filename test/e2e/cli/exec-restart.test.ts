// aer exec restart, and exec stop's countdown kept off stderr when nobody watches it (terminal.test.ts: on a tty).
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerOf } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

async function cellWith(t: { after: (fn: () => unknown) => void }, name: string, script: string): Promise<string> {
  const cell = uniqueName("cli-restart");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell, "--stop", "--grace", "1s"));
  assert.equal((await aer("exec", "start", cell, name, "--shell", "--", script)).code, 0);
  return cell;
}

const pidOf = async (cell: string, name: string): Promise<number> => JSON.parse((await aer("-o", "json", "exec", "get", cell, name)).stdout).status.pid;

test("exec restart stops the executable and starts it again: a new pid and one more restart", async (t) => {
  const cell = await cellWith(t, "web", "exec sleep 300");
  const before = await pidOf(cell, "web");
  const result = await aer("exec", "restart", cell, "web", "--grace", "2s");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "", "no progress line off a terminal");
  const after = await pidOf(cell, "web");
  assert.notEqual(after, before);
  assert.match(result.stdout, new RegExp(`^${cell}\\s+web\\s+running\\s+${after}\\s+signal SIGTERM\\s+1\\s+exec sleep 300$`, "m"));
  const missing = await aer("exec", "restart", cell, "nothing");
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /"nothing" not found in cell/);
});

test("exec stop --grace prints nothing but the result when stderr is not a terminal", async (t) => {
  const cell = await cellWith(t, "stubborn", "trap '' TERM; while :; do sleep 1; done");
  const result = await aer("exec", "stop", cell, "stubborn", "--grace", "1s");
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, new RegExp(`^${cell}\\s+stubborn\\s+exited\\s+\\d+\\s+signal SIGKILL`, "m"));
});
