// One executable's own usage (ExecutableService.Stats) and the processes of an executable or a cell tree
// (ObserveService.ListProcesses), read from its leaf cgroup and /proc on the real kernel.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { FailedPreconditionError, NotFoundError } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { runToExit, sleep } from "../../helpers/executables.js";

const aurae = useDaemon();
const MIB = 1024 * 1024;

/** Polls until `read` answers something `ready` accepts (a process needs a moment to fill its memory or fork). */
async function until<T>(read: () => Promise<T>, ready: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 200; i++) {
    last = await read();
    if (ready(last)) return last;
    await sleep(50);
  }
  assert.fail(`${what}; last seen: ${JSON.stringify(last, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
}

test("Stats of an executable counts its own cgroup: an allocator shows more than it allocated, a sleeper beside it far less", async (t) => {
  const cell = await cellForTest(aurae, t, "usage");
  // 48 MiB written (so every page is charged), then held.
  const hold = `const b = Buffer.alloc(${48 * MIB}, 1); setInterval(() => b[0]++, 1000);`;
  await aurae.client.executables.start({ spec: { cellName: cell, name: "hog", argv: [process.execPath, "-e", hold] } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "nap", argv: ["sleep", "300"] } });
  const stats = async (name: string) => (await aurae.client.executables.stats({ cellName: cell, name })).stats!;
  const hog = await until(() => stats("hog"), (s) => s.memoryCurrentBytes > BigInt(48 * MIB), "hog's memory.current above 48 MiB");
  assert.ok(hog.memoryPeakBytes >= hog.memoryCurrentBytes || hog.memoryPeakBytes === 0n, "peak is at least current where the kernel keeps one");
  assert.ok(hog.pidsCurrent >= 1n);
  assert.ok(hog.cpuUsageUs > 0n, "node used cpu to start");
  const nap = await stats("nap");
  assert.ok(nap.memoryCurrentBytes < BigInt(16 * MIB), `a sleep uses little, got ${nap.memoryCurrentBytes}: the cell's usage is not reported`);
  assert.equal(nap.pidsCurrent, 1n);
  const { stats: cellStats } = await aurae.client.cells.stats({ name: cell });
  assert.ok(cellStats!.memoryCurrentBytes >= hog.memoryCurrentBytes, "the cell includes its executables");
});

test("Stats answers NOT_FOUND naming what is missing, and FAILED_PRECONDITION for an executable without a process", async (t) => {
  const cell = await cellForTest(aurae, t, "usage");
  await assert.rejects(aurae.client.executables.stats({ cellName: cell, name: "ghost" }), (err: Error) => err instanceof NotFoundError && /"ghost" not found in cell/.test(err.message));
  await assert.rejects(aurae.client.executables.stats({ cellName: `${cell}-none`, name: "x" }), NotFoundError);
  await runToExit(aurae.client, cell, "done", ["true"]);
  await assert.rejects(aurae.client.executables.stats({ cellName: cell, name: "done" }), (err: Error) => err instanceof FailedPreconditionError && /"done" .* is exited: it has no process/.test(err.message));
});

test("ListProcesses of an executable shows a shell and the sleeps it started, with parents and command lines", async (t) => {
  const cell = await cellForTest(aurae, t, "procs");
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "tree", argv: ["/bin/sh", "-c", "sleep 301 & sleep 302; wait"] } });
  const shell = executable!.status!.pid;
  const list = () => aurae.client.observe.listProcesses({ cellName: cell, executableName: "tree" });
  const { processes, omitted } = await until(list, (r) => r.processes.length === 3, "three processes");
  assert.equal(omitted, 0);
  const [sh, ...sleeps] = processes;
  assert.deepEqual({ pid: sh!.pid, argv: sh!.argv, cell: sh!.cellName, name: sh!.executableName }, { pid: shell, argv: ["/bin/sh", "-c", "sleep 301 & sleep 302; wait"], cell, name: "tree" });
  assert.deepEqual(sleeps.map((p) => [p.ppid, p.argv, p.comm]).sort(), [[shell, ["sleep", "301"], "sleep"], [shell, ["sleep", "302"], "sleep"]]);
  for (const p of processes) assert.match(await readFile(`/proc/${p.pid}/cmdline`, "utf8"), new RegExp(p.argv[0]!.replace(/[/]/g, "\\/")), "what /proc says");
});

test("ListProcesses of a cell lists every executable of it and of the cells below, and nothing of an exited one", async (t) => {
  const cell = await cellForTest(aurae, t, "procs");
  await aurae.client.cells.allocate({ spec: { name: `${cell}/inner` } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "a", argv: ["sleep", "303"] } });
  await aurae.client.executables.start({ spec: { cellName: `${cell}/inner`, name: "b", argv: ["sleep", "304"] } });
  await runToExit(aurae.client, cell, "gone", ["true"]);
  const { processes } = await aurae.client.observe.listProcesses({ cellName: cell, executableName: "" });
  assert.deepEqual(processes.map((p) => [p.cellName, p.executableName, p.argv.join(" ")]), [[cell, "a", "sleep 303"], [`${cell}/inner`, "b", "sleep 304"]]);
  assert.deepEqual((await aurae.client.observe.listProcesses({ cellName: cell, executableName: "gone" })).processes, []);
  await assert.rejects(aurae.client.observe.listProcesses({ cellName: `${cell}-none`, executableName: "" }), NotFoundError);
});
