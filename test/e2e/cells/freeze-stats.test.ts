import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, sleep, waitForLine } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

test("freeze stops a counter and thaw resumes it", async (t) => {
  const cell = uniqueName("freeze");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true }));
  await aurae.client.executables.start({ spec: { cellName: cell, name: "count", argv: ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done"] } });
  const lines = async () => (await collectLogs(aurae.client, cell, "count", false)).length;
  await waitForLine(aurae.client, cell, "count", "3"); // counting
  const { cell: frozen } = await aurae.client.cells.freeze({ name: cell });
  assert.equal(frozen?.status?.frozen, true);
  const atFreeze = await lines();
  await sleep(500);
  assert.equal(await lines(), atFreeze, "no line while frozen");
  const { cell: thawed } = await aurae.client.cells.thaw({ name: cell });
  assert.equal(thawed?.status?.frozen, false);
  await waitForLine(aurae.client, cell, "count", String(atFreeze + 4)); // counting again after thaw
});

test("stats report a cell's cpu, memory and pids, and a parent's include its children's", async (t) => {
  const parent = uniqueName("stats");
  await aurae.client.cells.allocate({ spec: { name: parent } });
  t.after(() => aurae.client.cells.free({ name: parent, stop: true }));
  await aurae.client.cells.allocate({ spec: { name: `${parent}/child` } });
  await aurae.client.executables.start({
    spec: { cellName: `${parent}/child`, name: "work", argv: ["sh", "-c", "x=$(head -c 4000000 /dev/zero | tr '\\0' a); while :; do :; done"] },
  });
  await sleep(800);
  const child = (await aurae.client.cells.stats({ name: `${parent}/child` })).stats!;
  const total = (await aurae.client.cells.stats({ name: parent })).stats!;
  assert.ok(child.cpuUsageUs > 100_000n, `child used ${child.cpuUsageUs} us of cpu`);
  assert.ok(child.memoryCurrentBytes > 1_000_000n);
  assert.ok(child.pidsCurrent >= 1n);
  assert.ok(total.cpuUsageUs >= child.cpuUsageUs);
  assert.ok(total.pidsCurrent >= child.pidsCurrent);
  await assert.rejects(aurae.client.cells.stats({ name: uniqueName("none") }), { code: "not-found" });
});
