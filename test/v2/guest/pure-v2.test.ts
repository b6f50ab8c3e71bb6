// Runs only inside the v2 lane's guest (test/v2/run-lane.ts): proves the lane is what it claims, a pure cgroup2
// hierarchy with every controller, auraed driving it as "v2", and a cell's limits in the v2 files.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { mib } from "../../../src/client/index.js";
import { cgroupMode } from "../../helpers/cgroups.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, runToExit } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

test("the guest mounts only cgroup2, with cpu, cpuset, io, memory and pids enabled below its root", async () => {
  assert.equal(cgroupMode(), "v2");
  const enabled = (await readFile("/sys/fs/cgroup/cgroup.subtree_control", "utf8")).trim().split(" ");
  for (const controller of ["cpu", "cpuset", "io", "memory", "pids"]) assert.ok(enabled.includes(controller), `${controller} in ${enabled}`);
  const mounts = (await readFile("/proc/self/mounts", "utf8")).split("\n").filter((l) => / cgroup2? /.test(l));
  assert.deepEqual(mounts.map((l) => l.split(" ")[2]), ["cgroup2"]);
});

test("auraed probes the host as cgroup v2", async () => {
  const ready = (await aurae.log()).split("\n").filter((l) => l.includes('"cgroups ready"')).map((l) => JSON.parse(l) as { mode?: string });
  assert.deepEqual(ready.map((r) => r.mode), ["v2"]);
});

test("a cell's memory, cpu and pids limits are in memory.max, cpu.max and pids.max, and its workload in its leaf", async (t) => {
  const name = uniqueName("v2");
  await aurae.client.cells.allocate({ spec: { name, memory: { maxBytes: mib(64) }, cpu: { quotaUs: 20_000n, periodUs: 100_000n }, pids: { max: 50n } } });
  t.after(() => aurae.client.cells.free({ name }));
  const dir = aurae.cgroupDir("unified", name);
  assert.equal((await readFile(`${dir}/memory.max`, "utf8")).trim(), String(mib(64)));
  assert.equal((await readFile(`${dir}/cpu.max`, "utf8")).trim(), "20000 100000");
  assert.equal((await readFile(`${dir}/pids.max`, "utf8")).trim(), "50");
  const x = await runToExit(aurae.client, name, "where", ["cat", "/proc/self/cgroup"]);
  assert.equal(x.status?.exit?.code, 0);
  const lines = (await collectLogs(aurae.client, name, "where", false)).map((e) => e.line.toString());
  assert.deepEqual(lines, [`0::/${aurae.cgroupRoot}/${name}/where.exe`]);
});
