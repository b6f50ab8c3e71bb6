import assert from "node:assert/strict";
import { access } from "node:fs/promises";
import { test } from "node:test";
import { AuraeClientError, LogStream, mib } from "../../../src/client/index.js";
import { cgroupMode } from "../../helpers/cgroups.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, runToExit } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

test("allocate applies every limit to the kernel, get and list return it, free removes every cgroup", async () => {
  const name = uniqueName("limits");
  const { cell } = await aurae.client.cells.allocate({
    spec: { name, memory: { maxBytes: mib(64) }, cpu: { quotaUs: 20_000n, periodUs: 100_000n }, pids: { max: 50n } },
  });
  assert.equal(cell?.spec?.memory?.maxBytes, mib(64));
  assert.equal(await aurae.cgroupFile("memory", name, { v1: "memory.limit_in_bytes", v2: "memory.max" }), String(mib(64)));
  const v2 = cgroupMode() === "v2";
  assert.equal(await aurae.cgroupFile("cpu", name, { v1: "cpu.cfs_quota_us", v2: "cpu.max" }), v2 ? "20000 100000" : "20000");
  if (!v2) assert.equal(await aurae.cgroupFile("cpu", name, { v1: "cpu.cfs_period_us", v2: "cpu.max" }), "100000");
  assert.equal(await aurae.cgroupFile("pids", name, { v1: "pids.max", v2: "pids.max" }), "50");
  // One cgroup per v1 hierarchy the cell uses; the one cgroup2 directory on pure v2.
  assert.ok(cell!.status!.cgroupPaths.length >= (v2 ? 1 : 4));
  for (const dir of cell!.status!.cgroupPaths) assert.ok(await exists(dir), dir);

  assert.deepEqual((await aurae.client.cells.get({ name })).cell, cell);
  assert.ok((await aurae.client.cells.list({})).cells.some((c) => c.spec?.name === name));

  await aurae.client.cells.free({ name });
  for (const dir of cell!.status!.cgroupPaths) assert.equal(await exists(dir), false, dir);
  await assert.rejects(aurae.client.cells.get({ name }), { code: "not-found" });
});

test("pids max makes the fork past it fail inside the workload", async (t) => {
  const name = uniqueName("pids");
  await aurae.client.cells.allocate({ spec: { name, pids: { max: 3n } } });
  t.after(() => aurae.client.cells.free({ name }));
  // sh plus two background sleeps fill the cell; the third fork fails and sh says so.
  const x = await runToExit(aurae.client, name, "forks", ["sh", "-c", "sleep 1 & sleep 1 & sleep 1 & echo unreachable; wait"]);
  assert.notEqual(x.status?.exit?.code, 0);
  const stderr = (await collectLogs(aurae.client, name, "forks", false)).filter((e) => e.stream === LogStream.LOG_STREAM_STDERR);
  const log = stderr.map((e) => e.line.toString()).join("\n");
  assert.match(log, /Resource temporarily unavailable|Cannot fork|can't fork/i, log);
});

test("a nested cell lives inside its parent's cgroups, needs its parent, and blocks freeing it", async (t) => {
  const parent = uniqueName("parent");
  await assert.rejects(aurae.client.cells.allocate({ spec: { name: `${parent}/child` } }), { code: "not-found" });
  await aurae.client.cells.allocate({ spec: { name: parent } });
  t.after(() => aurae.client.cells.free({ name: parent }));
  await aurae.client.cells.allocate({ spec: { name: `${parent}/child` } });
  assert.ok(await exists(aurae.cgroupDir("memory", `${parent}/child`)));
  await assert.rejects(aurae.client.cells.free({ name: parent }), (e: AuraeClientError) => e.code === "precondition" && e.message.includes(`${parent}/child`));
  await aurae.client.cells.free({ name: `${parent}/child` });
});

test("a cell with a running executable cannot be freed until it is stopped", async (t) => {
  const name = uniqueName("busy");
  await aurae.client.cells.allocate({ spec: { name } });
  t.after(() => aurae.client.cells.free({ name }));
  await aurae.client.executables.start({ spec: { cellName: name, name: "sleeper", argv: ["sleep", "60"] } });
  await assert.rejects(aurae.client.cells.free({ name }), (e: AuraeClientError) => e.code === "precondition" && e.message.includes("sleeper"));
  await aurae.client.executables.stop({ cellName: name, name: "sleeper", gracePeriodMs: 1000 });
});

test("bad names and limits are INVALID_ARGUMENT naming the field; duplicates ALREADY_EXISTS; the daemon keeps serving", async (t) => {
  const allocate = (spec: object) => aurae.client.cells.allocate({ spec });
  const invalid = (field: string) => (e: AuraeClientError) => e.code === "invalid" && e.message.startsWith(field);
  for (const name of ["", "Upper", "a..b", "../x", "a/./b", "/lead", "trail/", "x".repeat(64), "dot.ted"])
    await assert.rejects(allocate({ name }), invalid("spec.name"), JSON.stringify(name));
  const name = uniqueName("bad");
  await assert.rejects(allocate({ name, memory: { maxBytes: -1n } }), invalid("spec.memory.max_bytes"));
  await assert.rejects(allocate({ name, memory: { maxBytes: 4096n } }), invalid("spec.memory.max_bytes"));
  await assert.rejects(allocate({ name, cpu: { quotaUs: -5n } }), invalid("spec.cpu.quota_us"));
  await assert.rejects(allocate({ name, cpu: { periodUs: 10n } }), invalid("spec.cpu.period_us"));
  await assert.rejects(allocate({ name, pids: { max: 0n } }), invalid("spec.pids.max"));
  await assert.rejects(allocate({ name, pids: { max: 2n ** 62n } }), invalid("spec.pids.max"));
  await assert.rejects(aurae.client.cells.allocate({}), invalid("spec"));
  await assert.rejects(aurae.client.cells.free({ name: "no-such-cell" }), { code: "not-found" });
  await assert.rejects(aurae.client.cells.list({ pageSize: -1 }), invalid("page_size"));
  await allocate({ name });
  t.after(() => aurae.client.cells.free({ name }));
  await assert.rejects(allocate({ name }), { code: "exists" });
  assert.equal((await aurae.client.health.check({})).status, 1);
});
