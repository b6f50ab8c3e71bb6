// Each limit proven by its effect on a workload, or, where this host's cgroups cannot enforce it, refused by name.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { AuraeClientError, mib } from "../../../src/client/index.js";
import { cgroupMode } from "../../helpers/cgroups.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, sleep, waitForExit } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();
const isV1 = async (): Promise<boolean> => cgroupMode() === "v1";

async function cellWith(t: { after: (fn: () => Promise<unknown>) => void }, spec: object): Promise<string> {
  const name = uniqueName("lim");
  await aurae.client.cells.allocate({ spec: { name, ...spec } });
  t.after(() => aurae.client.cells.free({ name, stop: true }));
  return name;
}

test("cpu max 20% holds a busy loop to about a fifth of a core", async (t) => {
  const cell = await cellWith(t, { cpu: { quotaUs: 20_000n, periodUs: 100_000n } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "spin", argv: ["sh", "-c", "while :; do :; done"] } });
  await sleep(300);
  const before = (await aurae.client.cells.stats({ name: cell })).stats!;
  const startedAt = performance.now();
  await sleep(2000);
  const after = (await aurae.client.cells.stats({ name: cell })).stats!;
  const share = Number(after.cpuUsageUs - before.cpuUsageUs) / ((performance.now() - startedAt) * 1000);
  assert.ok(share > 0.15 && share < 0.25, `the loop got ${(share * 100).toFixed(1)}% of a core`);
  assert.ok(after.cpuThrottledPeriods > before.cpuThrottledPeriods, "the kernel throttled it");
});

test("cpuset pins the workload to the cpus asked for", async (t) => {
  const cell = await cellWith(t, { cpuset: { cpus: "0" } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "where", argv: ["grep", "Cpus_allowed_list", "/proc/self/status"] } });
  await waitForExit(aurae.client, cell, "where");
  assert.match((await collectLogs(aurae.client, cell, "where", false))[0]!.line.toString(), /^Cpus_allowed_list:\s+0$/);
});

test("memory high throttles where cgroup v2 enforces it, and is refused by name where it cannot be", async (t) => {
  if (await isV1()) {
    await assert.rejects(
      aurae.client.cells.allocate({ spec: { name: uniqueName("high"), memory: { highBytes: mib(32) } } }),
      (e: AuraeClientError) => e.code === "precondition" && e.message.startsWith("spec.memory.high_bytes:"),
    );
    return;
  }
  const cell = await cellWith(t, { memory: { highBytes: mib(32) } });
  const x = await (async () => {
    await aurae.client.executables.start({ spec: { cellName: cell, name: "hog", argv: ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"] } });
    return waitForExit(aurae.client, cell, "hog");
  })();
  assert.equal(x.status?.exit?.code, 0, "throttled, not killed");
});

test("io weight is refused by name on this host's block devices (no bfq scheduler)", async () => {
  if (!(await isV1())) return;
  await assert.rejects(
    aurae.client.cells.allocate({ spec: { name: uniqueName("iow"), io: { weight: 500 } } }),
    (e: AuraeClientError) => e.code === "precondition" && e.message.startsWith("spec.io.weight:"),
  );
});

test("a per-device read limit becomes the device's throttle rule", async (t) => {
  if (!(await isV1())) return t.skip("checks the v1 blkio file; v2 io.max is covered by the driver's unit tests");
  const device = (await readFile("/proc/self/mountinfo", "utf8")).split("\n").find((l) => l.split(" ")[4] === "/")?.split(" ")[2];
  if (!device) return t.skip("no block device under /");
  const [major] = device.split(":");
  const whole = `${major}:0`;
  const cell = await cellWith(t, { io: { devices: [{ device: whole, readBytesPerSecond: mib(1) }] } });
  const limits = await readFile(aurae.cgroupDir("blkio", `${cell}/blkio.throttle.read_bps_device`), "utf8").catch(() => "");
  assert.match(limits, new RegExp(`^${whole} ${mib(1)}$`, "m"));
});

test("update changes the limits of a live cell, and limits left out go back to unlimited", async (t) => {
  const cell = await cellWith(t, { memory: { maxBytes: mib(64) }, pids: { max: 10n } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "sleeper", argv: ["sleep", "60"] } });
  const { cell: updated } = await aurae.client.cells.update({ spec: { name: cell, memory: { maxBytes: mib(128) } } });
  assert.equal(updated?.spec?.memory?.maxBytes, mib(128));
  assert.equal(updated?.spec?.pids, undefined);
  assert.equal(await aurae.cgroupFile("memory", cell, { v1: "memory.limit_in_bytes", v2: "memory.max" }), String(mib(128)));
  assert.equal(await aurae.cgroupFile("pids", cell, { v1: "pids.max", v2: "pids.max" }), "max");
  await assert.rejects(
    aurae.client.cells.update({ spec: { name: cell, isolation: { pid: true, mount: true } } }),
    (e: AuraeClientError) => e.code === "precondition" && /spec\.isolation/.test(e.message),
  );
});

test("cpu weight 50 is half the default share (cpu.shares 512 on cgroup v1)", async (t) => {
  const cell = await cellWith(t, { cpu: { weight: 50 } });
  assert.equal(await aurae.cgroupFile("cpu", cell, { v1: "cpu.shares", v2: "cpu.weight" }), (await isV1()) ? "512" : "50");
});
