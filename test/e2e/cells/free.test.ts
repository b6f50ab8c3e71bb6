import assert from "node:assert/strict";
import { access } from "node:fs/promises";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, waitForLine } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

test("free with stop stops every executable below the cell within the grace period and frees its children", async () => {
  const top = uniqueName("tree");
  await aurae.client.cells.allocate({ spec: { name: top } });
  await aurae.client.cells.allocate({ spec: { name: `${top}/a` } });
  await aurae.client.cells.allocate({ spec: { name: `${top}/a/b` } });
  const pids: number[] = [];
  for (const [cell, name, argv] of [
    [top, "plain", ["sleep", "60"]],
    [`${top}/a`, "polite", ["sh", "-c", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done"]],
    [`${top}/a/b`, "stubborn", ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"]],
  ] as const) pids.push((await aurae.client.executables.start({ spec: { cellName: cell, name, argv: [...argv] } })).executable!.status!.pid);
  await waitForLine(aurae.client, `${top}/a`, "polite", "ready"); // both shells installed their traps
  await waitForLine(aurae.client, `${top}/a/b`, "stubborn", "ready");
  const startedAt = Date.now();
  await aurae.client.cells.free({ name: top, stop: true, gracePeriodMs: 800 });
  // The one that ignores SIGTERM is given its grace period before SIGKILL (a free that killed at once would pass an
  // upper bound alone), and not much more.
  assert.ok(Date.now() - startedAt >= 800, "the stubborn executable got its grace period");
  assert.ok(Date.now() - startedAt < 5000);
  assert.deepEqual(pids.filter(isAlive), []);
  for (const name of [top, `${top}/a`, `${top}/a/b`]) await assert.rejects(aurae.client.cells.get({ name }), { code: "not-found" });
  await assert.rejects(access(aurae.cgroupDir("memory", top)), { code: "ENOENT" });
});
