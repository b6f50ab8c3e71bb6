// Freeze and thaw in a cell tree: a thaw the kernel could never complete is refused at once, a freeze and a thaw of
// one cell sent together both answer, and nothing starts in a frozen cell (found by the API fuzz test: each waited
// 10 s and failed, and a start in a frozen cell waited for ever, holding its tree's lock).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import type { AuraeClientError } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";

const aurae = useDaemon();

test("thawing a cell whose parent is frozen is FAILED_PRECONDITION naming the parent, at once", async (t) => {
  const parent = await cellForTest(aurae, t, "frozen");
  await aurae.client.cells.allocate({ spec: { name: `${parent}/child` } });
  await aurae.client.cells.freeze({ name: parent });
  const started = Date.now();
  await assert.rejects(aurae.client.cells.thaw({ name: `${parent}/child` }), (err: AuraeClientError) =>
    err.code === "precondition" && err.message.includes(`cell "${parent}/child" is frozen with its ancestor "${parent}": thaw "${parent}"`),
  );
  assert.ok(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`);
  await aurae.client.cells.thaw({ name: parent });
  await aurae.client.cells.thaw({ name: `${parent}/child` });
});

test("starting an executable in a frozen cell, or below one, is FAILED_PRECONDITION naming the frozen cell", async (t) => {
  const parent = await cellForTest(aurae, t, "cold");
  await aurae.client.cells.allocate({ spec: { name: `${parent}/child` } });
  await aurae.client.cells.freeze({ name: parent });
  for (const cellName of [parent, `${parent}/child`]) {
    await assert.rejects(
      aurae.client.executables.start({ spec: { cellName, name: "x", argv: ["/bin/true"] } }, { deadline: 5000 }),
      (err: AuraeClientError) => err.code === "precondition" && err.message.includes(`cell "${parent}" is frozen: thaw it before starting "x"`),
    );
  }
  await aurae.client.cells.thaw({ name: parent });
  await aurae.client.executables.start({ spec: { cellName: `${parent}/child`, name: "x", argv: ["/bin/true"] } });
});

test("a freeze and a thaw of one cell sent together both answer, and the record agrees with the kernel", async (t) => {
  const cell = await cellForTest(aurae, t, "race");
  for (let round = 0; round < 5; round++) {
    const started = Date.now();
    await Promise.all([aurae.client.cells.freeze({ name: cell }), aurae.client.cells.thaw({ name: cell })]);
    assert.ok(Date.now() - started < 5000, `round ${round} took ${Date.now() - started} ms`);
    const { cell: recorded } = await aurae.client.cells.get({ name: cell });
    const events = await readFile(aurae.cgroupDir("unified", `${cell}/cgroup.events`), "utf8").catch(() => undefined);
    if (events !== undefined) assert.equal(events.includes("frozen 1"), recorded?.status?.frozen, `round ${round}: ${events}`);
  }
  await aurae.client.cells.thaw({ name: cell });
});

test("Free refuses a grace period longer than an hour, naming the field", async (t) => {
  const cell = await cellForTest(aurae, t, "grace");
  await assert.rejects(aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 3_600_001 }), (err: AuraeClientError) =>
    err.code === "invalid" && err.message.includes("grace_period_ms: must be 0 to 3600000, got 3600001"),
  );
});
