// Labels of executables: kept in the spec, selected by List's label_selector a page at a time, carried by the
// executable's events, refused naming the field when malformed, and still there after auraed restarts.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuraeClient, AuraeClientError } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { runToExit, waitForExit } from "../../helpers/executables.js";
import { readPages } from "../../helpers/pages.js";

const aurae = useDaemon();

/** The qualified names of every executable under `cell` that `labelSelector` matches, `pageSize` at a time. */
const pagesOf = (client: AuraeClient, cell: string, labelSelector: string, pageSize: number): Promise<string[][]> =>
  readPages(
    (pageToken) => client.executables.list({ cellName: cell, labelSelector, pageSize, pageToken }),
    (page) => page.executables.map((x) => `${x.spec!.cellName}/${x.spec!.name}`),
  );

test("start keeps an executable's labels, and List selects by them a full page at a time, nested cells included", async (t) => {
  const cell = await cellForTest(aurae, t, "xlabels");
  await aurae.client.cells.allocate({ spec: { name: `${cell}/inner` } });
  const roles = [["a", "web"], ["b", "worker"], ["c", "web"], ["d", "worker"], ["e", "web"]] as const;
  for (const [i, [name, role]] of roles.entries()) {
    const where = i % 2 === 0 ? cell : `${cell}/inner`;
    const { executable } = await aurae.client.executables.start({ spec: { cellName: where, name, argv: ["true"], labels: { role } } });
    assert.deepEqual(executable!.spec!.labels, { role });
  }
  assert.deepEqual(await pagesOf(aurae.client, cell, "role=web", 2), [[`${cell}/a`, `${cell}/c`], [`${cell}/e`]]);
  assert.deepEqual(await pagesOf(aurae.client, cell, "role notin (web)", 1), [[`${cell}/inner/b`], [`${cell}/inner/d`]]);
  assert.deepEqual((await pagesOf(aurae.client, `${cell}/inner`, "role", 10)).flat(), [`${cell}/inner/b`, `${cell}/inner/d`]);
  assert.deepEqual((await pagesOf(aurae.client, cell, "!role", 10)).flat(), []);
});

test("a malformed label is INVALID_ARGUMENT naming spec.labels[key]; a malformed selector names label_selector", async (t) => {
  const cell = await cellForTest(aurae, t, "xbadlabel");
  await assert.rejects(
    aurae.client.executables.start({ spec: { cellName: cell, name: "x", argv: ["true"], labels: { "a/b/c": "x" } } }),
    (e: AuraeClientError) => e.code === "invalid" && e.message.includes('spec.labels["a/b/c"]:'),
  );
  await assert.rejects(aurae.client.executables.get({ cellName: cell, name: "x" }), { code: "not-found" });
  await assert.rejects(
    aurae.client.executables.list({ labelSelector: "role in (web" }),
    (e: AuraeClientError) => e.code === "invalid" && e.message.startsWith("label_selector: "),
  );
});

test("an executable's events carry its labels, and the event List and Watch select by them", async (t) => {
  const cell = await cellForTest(aurae, t, "xevents", { labels: { tier: "front" } });
  await runToExit(aurae.client, cell, "unlabelled", ["true"]);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "other", argv: ["true"], labels: { app: "other" } } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "labelled", argv: ["true"], labels: { app: "web" } } });
  await waitForExit(aurae.client, cell, "labelled");

  const selected = await aurae.client.events.list({ cellName: cell, labelSelector: "app=web", pageSize: 1000 });
  assert.deepEqual(selected.events.map((e) => `${e.kind} ${e.executableName}`), ["executable.started labelled", "executable.exited labelled"]);
  for (const e of selected.events) assert.deepEqual(e.labels, { app: "web" });
  const cellEvents = await aurae.client.events.list({ cellName: cell, labelSelector: "tier=front", pageSize: 1000 });
  assert.deepEqual(cellEvents.events.map((e) => e.kind), ["cell.allocated"]);
  assert.deepEqual(cellEvents.events[0]!.labels, { tier: "front" });

  const watched: string[] = [];
  for await (const { events } of aurae.client.events.watch({ cellName: cell, labelSelector: "app in (web)" }, { deadline: 10_000 }))
    watched.push(...events.map((e) => `${e.sequence}`));
  assert.deepEqual(watched, selected.events.map((e) => `${e.sequence}`));
});

test("labels of cells, executables and events survive auraed restarting", async (t) => {
  const cell = await cellForTest(aurae, t, "xrestart", { labels: { app: "db" } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "server", argv: ["sleep", "600"], labels: { app: "db", role: "primary" } } });
  await aurae.stop();
  await aurae.start();
  assert.deepEqual((await aurae.client.cells.get({ name: cell })).cell!.spec!.labels, { app: "db" });
  assert.deepEqual((await aurae.client.executables.get({ cellName: cell, name: "server" })).executable!.spec!.labels, { app: "db", role: "primary" });
  assert.deepEqual((await aurae.client.cells.list({ cellName: cell, labelSelector: "app=db" })).cells.map((c) => c.spec!.name), [cell]);
  assert.deepEqual((await pagesOf(aurae.client, cell, "role=primary", 10)).flat(), [`${cell}/server`]);
  const events = await aurae.client.events.list({ cellName: cell, labelSelector: "role=primary" });
  assert.deepEqual(events.events.map((e) => e.kind), ["executable.started"]);
});
