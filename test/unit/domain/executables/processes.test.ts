import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { listProcesses, MAX_PROCESSES } from "../../../../src/domain/executables/processes.js";

/** A directory shaped like /proc holding `pids`, each a `sleep <pid>` whose parent is 1. */
async function fakeProc(t: { after: (fn: () => unknown) => void }, pids: readonly number[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "proc-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  for (const pid of pids) {
    await mkdir(join(root, String(pid)));
    await writeFile(join(root, String(pid), "stat"), `${pid} (sleep) S 1 0 0 0 -1\n`);
    await writeFile(join(root, String(pid), "cmdline"), `sleep\0${pid}\0`);
  }
  return root;
}

test("lists each executable's processes in (cell, executable, pid) order and leaves out one that exited meanwhile", async (t) => {
  const procRoot = await fakeProc(t, [30, 10, 20]);
  const leaves: Record<string, number[]> = { "web/b.exe": [30], "web/a.exe": [20, 10, 99] }; // 99 is gone from /proc
  const cgroups = { pids: async (path: string) => leaves[path] ?? [] };
  const { processes, omitted } = await listProcesses([{ cell: "web", name: "b" }, { cell: "web", name: "a" }], { cgroups, procRoot });
  assert.deepEqual(processes.map((p) => [p.executable, p.pid, p.argv.join(" ")]), [["a", 10, "sleep 10"], ["a", 20, "sleep 20"], ["b", 30, "sleep 30"]]);
  assert.equal(omitted, 0);
});

test(`lists at most ${MAX_PROCESSES} processes and counts the rest without reading them`, async (t) => {
  const pids = Array.from({ length: MAX_PROCESSES + 5 }, (_, i) => i + 2);
  const procRoot = await fakeProc(t, pids.slice(0, MAX_PROCESSES)); // the rest have no /proc entry: reading one would leave it out, not count it
  const { processes, omitted } = await listProcesses([{ cell: "web", name: "bomb" }], { cgroups: { pids: async () => pids }, procRoot });
  assert.equal(processes.length, MAX_PROCESSES);
  assert.equal(omitted, 5);
});
