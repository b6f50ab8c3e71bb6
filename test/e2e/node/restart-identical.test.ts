// auraed killed with SIGKILL and started again sees the node exactly as it left it: the same cells and reapers, the
// same processes, exits, restart counts and pending restarts, and the same logs, entry for entry.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExecutableState, executablesV1, type AuraeClient } from "../../../src/client/index.js";
import type { Cell } from "../../../src/gen/aurae/cells/v1/cells.js";
import type { Executable } from "../../../src/gen/aurae/executables/v1/executables.js";
import type { LogEntry } from "../../../src/gen/aurae/observe/v1/observe.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, isAlive, sleep } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";
import { keyOf, listAllCells, listAllExecutables, unlessNotFound } from "../../helpers/node-state.js";
import { waitForStatus } from "../../helpers/wait-for-status.js";

const aurae = useDaemon();
const { RestartMode } = executablesV1;
const TOP_CELLS = 5;
/**
 * A crash-looper's pending restart must outlast snapshot, kill, start and snapshot again. Its delays double from
 * 100 ms, so waiting for this much left means its 6th or later restart: 6.4 s away when it is due.
 */
const MIN_BACKOFF_LEFT_MS = 3500;

/** The five executables of every cell; `i` numbers the cell, so exit codes differ across all of them. */
function specsOf(cellName: string, i: number): executablesV1.ExecutableSpec[] {
  const spec = (name: string, argv: string[], restart?: executablesV1.RestartPolicy) =>
    executablesV1.ExecutableSpec.fromPartial({ cellName, name, argv, restart });
  return [
    // Crash-loopers first, so they reach a long back-off while the rest start.
    spec("crash", ["sh", "-c", "echo crash; exit 1"], { mode: RestartMode.RESTART_MODE_ON_FAILURE, maxRestarts: 0, maxDelayMs: 60_000 }),
    spec("ready", ["sh", "-c", "echo ready; exec sleep 600"]),
    spec("always", ["sleep", "600"], { mode: RestartMode.RESTART_MODE_ALWAYS, maxRestarts: 0 }),
    spec("code", ["sh", "-c", `echo exiting with ${10 + i}; exit ${10 + i}`]),
    spec("count", ["seq", "1", "100"]),
  ];
}

interface Snapshot {
  readonly cells: Cell[];
  readonly cellGets: Cell[];
  readonly executables: Executable[];
  readonly gets: Executable[];
  readonly logs: Record<string, LogEntry[]>;
}

async function snapshot(client: AuraeClient): Promise<Snapshot> {
  const cells = await listAllCells(client);
  const cellGets = await Promise.all(cells.map(async (c) => (await client.cells.get({ name: c.spec!.name })).cell!));
  const executables = await listAllExecutables(client);
  const gets = await Promise.all(
    executables.map(async (x) => (await client.executables.get({ cellName: x.spec!.cellName, name: x.spec!.name })).executable!),
  );
  const logs: Record<string, LogEntry[]> = {};
  for (const x of executables) logs[keyOf(x)] = await collectLogs(client, x.spec!.cellName, x.spec!.name, false);
  return { cells, cellGets, executables, gets, logs };
}

/** Until every executable is where this test wants it: sleepers running, one-shots exited, crash-loopers far from a restart. */
async function waitSettled(client: AuraeClient): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const unsettled = (await listAllExecutables(client)).filter((x) => !isSettled(x));
    if (unsettled.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not settled within 60 s: ${unsettled.map((x) => `${keyOf(x)} ${JSON.stringify(x.status)}`).join("; ")}`);
    await sleep(50);
  }
}

function isSettled(x: Executable): boolean {
  const status = x.status!;
  switch (x.spec!.name) {
    case "crash":
      return status.state === ExecutableState.EXECUTABLE_STATE_BACKOFF && status.nextRestartAt!.getTime() - Date.now() >= MIN_BACKOFF_LEFT_MS;
    case "code":
    case "count":
      return status.state === ExecutableState.EXECUTABLE_STATE_EXITED;
    default:
      return status.state === ExecutableState.EXECUTABLE_STATE_RUNNING;
  }
}

/** What each executable's log must hold, whatever the daemon did: one entry per run, none lost or repeated. */
function checkLog(x: Executable, lines: string[]): void {
  const expected: Record<string, string[]> = {
    crash: Array.from({ length: x.status!.restartCount + 1 }, () => "crash"),
    ready: ["ready"],
    always: [],
    code: [`exiting with ${x.status!.exit?.code}`],
    count: Array.from({ length: 100 }, (_, i) => String(i + 1)),
  };
  assert.deepEqual(lines, expected[x.spec!.name], `log of ${keyOf(x)}`);
}

test("after SIGKILL and a start, 50 executables in 10 nested cells read back identical, logs included, and all stop", async (t) => {
  const tops = Array.from({ length: TOP_CELLS }, (_, i) => uniqueName(`same${i}`));
  const cells: string[] = [];
  for (const [i, top] of tops.entries()) {
    // The first tree is isolated, so its reaper must be adopted too.
    await aurae.client.cells.allocate({ spec: { name: top, ...(i === 0 && { isolation: { pid: true, mount: true } }) } });
    t.after(() => unlessNotFound(aurae.client.cells.free({ name: top, stop: true, gracePeriodMs: 1000 })));
    await aurae.client.cells.allocate({ spec: { name: `${top}/inner` } });
    cells.push(top, `${top}/inner`);
  }
  const specs = cells.flatMap((cell, i) => specsOf(cell, i));
  // Every cell's crash-looper first, then the rest.
  for (const spec of [...specs.filter((s) => s.name === "crash"), ...specs.filter((s) => s.name !== "crash")])
    await aurae.client.executables.start({ spec });
  await waitSettled(aurae.client);

  const before = await snapshot(aurae.client);
  assert.equal(before.executables.length, 50);
  assert.equal(before.cells.length, 10);
  const firstRestartDueMs = Math.min(...before.gets.filter((x) => x.status!.nextRestartAt).map((x) => x.status!.nextRestartAt!.getTime()));
  await aurae.kill9();
  await aurae.start();
  const after = await snapshot(aurae.client);
  assert.ok(Date.now() < firstRestartDueMs, "the comparison finished before the first pending restart was due (else this host is too slow for it)");

  assert.deepEqual(after.cells, before.cells, "cells listed");
  assert.deepEqual(after.cellGets, before.cellGets, "cells one by one (the reaper's pid included)");
  assert.deepEqual(after.executables, before.executables, "executables listed");
  assert.deepEqual(after.gets, before.gets, "executables one by one");
  assert.deepEqual(after.logs, before.logs, "logs");
  for (const x of after.gets) checkLog(x, after.logs[keyOf(x)]!.map((e) => e.line.toString()));
  const running = after.gets.filter((x) => x.status!.state === ExecutableState.EXECUTABLE_STATE_RUNNING);
  assert.equal(running.length, 20);
  for (const x of running) assert.ok(isAlive(x.status!.pid), `${keyOf(x)} pid ${x.status!.pid} is alive`);
  const initPid = after.cellGets.find((c) => c.spec!.name === tops[0])!.status!.initPid;
  assert.ok(initPid > 0 && isAlive(initPid), "the isolated cell's reaper still runs");

  await checkRestartsResume(aurae.client, after.gets.filter((x) => x.spec!.name === "crash"));

  const stopped = await Promise.all(
    after.gets.map((x) => aurae.client.executables.stop({ cellName: x.spec!.cellName, name: x.spec!.name, gracePeriodMs: 2000 })),
  );
  for (const { executable } of stopped) assert.equal(executable?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED, keyOf(executable!));
  for (const x of running) assert.equal(isAlive(x.status!.pid), false, `${keyOf(x)} is gone once stopped`);
  for (const top of tops) await aurae.client.cells.free({ name: top, stop: true, gracePeriodMs: 1000 });
  assert.deepEqual(await listAllCells(aurae.client), []);
});

/** The recovered back-offs fire: each crash-looper runs again once its recorded restart time came, not before. */
async function checkRestartsResume(client: AuraeClient, crashLoopers: Executable[]): Promise<void> {
  for (const x of crashLoopers) {
    const due = x.status!.nextRestartAt!.getTime();
    // STARTING still shows the previous run's times: wait until the new run began.
    const { status } = await waitForStatus(client, x.spec!.cellName, x.spec!.name, `the restart due at ${new Date(due).toISOString()}`, (s) =>
      s.restartCount > x.status!.restartCount && s.state !== ExecutableState.EXECUTABLE_STATE_STARTING, due + 5000 - Date.now());
    assert.equal(status!.restartCount, x.status!.restartCount + 1, keyOf(x));
    assert.ok(status!.startedAt!.getTime() >= due - 5, `${keyOf(x)} restarted when due (${due}), not before (${status!.startedAt!.getTime()})`);
  }
}
