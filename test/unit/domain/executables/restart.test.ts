import assert from "node:assert/strict";
import { test } from "node:test";
import type { ExitStatus, RestartPolicy } from "../../../../src/domain/executables/executable-spec.js";
import { decideRestart, HEALTHY_RUN_MS } from "../../../../src/domain/executables/restart.js";

const failed: ExitStatus = { code: 1, signal: null, oomKilled: false, cpuUserUs: 0, cpuSystemUs: 0 };
const clean: ExitStatus = { ...failed, code: 0 };
const killed: ExitStatus = { ...failed, code: null, signal: 9 };
const policy = (mode: RestartPolicy["mode"], maxRestarts = 0, maxDelayMs = 300_000): RestartPolicy => ({ mode, maxRestarts, maxDelayMs });
const history = { restartCount: 0, backoffStep: 0, runMs: 50, stopped: false };

test("no never restarts; on-failure restarts failures and signals but not a clean exit; always restarts all", () => {
  assert.deepEqual(decideRestart(policy("no"), failed, history), { restart: false });
  assert.equal(decideRestart(policy("on-failure"), failed, history).restart, true);
  assert.equal(decideRestart(policy("on-failure"), killed, history).restart, true);
  assert.deepEqual(decideRestart(policy("on-failure"), clean, history), { restart: false });
  assert.equal(decideRestart(policy("always"), clean, history).restart, true);
});

test("an exit that Stop asked for is never restarted", () => {
  assert.deepEqual(decideRestart(policy("always"), killed, { ...history, stopped: true }), { restart: false });
});

test("delays start at 100 ms and double with each quick exit, up to the cap", () => {
  const delays = [0, 1, 2, 3, 12].map((step) => decideRestart(policy("always", 0, 5000), failed, { ...history, backoffStep: step }));
  assert.deepEqual(delays, [
    { restart: true, delayMs: 100, backoffStep: 1 },
    { restart: true, delayMs: 200, backoffStep: 2 },
    { restart: true, delayMs: 400, backoffStep: 3 },
    { restart: true, delayMs: 800, backoffStep: 4 },
    { restart: true, delayMs: 5000, backoffStep: 13 },
  ]);
});

test("a healthy run resets the back-off", () => {
  assert.deepEqual(decideRestart(policy("always"), failed, { ...history, backoffStep: 8, runMs: HEALTHY_RUN_MS }), {
    restart: true,
    delayMs: 100,
    backoffStep: 1,
  });
});

test("gives up after max restarts", () => {
  assert.equal(decideRestart(policy("on-failure", 3), failed, { ...history, restartCount: 2 }).restart, true);
  assert.deepEqual(decideRestart(policy("on-failure", 3), failed, { ...history, restartCount: 3 }), { restart: false });
});
