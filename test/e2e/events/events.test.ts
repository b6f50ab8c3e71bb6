// The event API: daemon.started on start, List pages, the cell and kind filters, from_now, and answers to bad
// requests and bad retention flags.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import type { AuraeClientError } from "../../../src/client/index.js";
import { DAEMON_MAIN, useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { allocateAndFree, collectWatch, describeEvent, lastSequence, listAll } from "./read-events.js";

const aurae = useDaemon();

test("records daemon.started when auraed starts, with its pid and the time", async () => {
  const events = await listAll(aurae.client);
  const started = events.find((e) => e.kind === "daemon.started");
  assert.ok(started, events.map(describeEvent).join(", "));
  assert.equal(started.attributes.pid, String(aurae.pid));
  assert.equal(started.cellName, "");
  assert.ok(started.sequence >= 1n);
  assert.ok(Math.abs(started.time!.getTime() - Date.now()) < 60_000, String(started.time));
});

test("List pages oldest first, and agrees with a Watch that does not follow", async () => {
  await allocateAndFree(aurae.client, [uniqueName("page-a"), uniqueName("page-b"), uniqueName("page-c")]);
  const pages: string[][] = [];
  let pageToken = "";
  do {
    const page = await aurae.client.events.list({ pageSize: 2, pageToken });
    pages.push(page.events.map((e) => String(e.sequence)));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  assert.ok(pages.length >= 4, JSON.stringify(pages));
  assert.ok(pages.every((p) => p.length <= 2));
  const watched = await collectWatch(aurae.client, {});
  assert.deepEqual(pages.flat(), watched.map((e) => String(e.sequence)));
});

test("filters by cell (the cell and the cells below it) and by kind (exact, or a prefix ending in a dot)", async () => {
  const start = await lastSequence(aurae.client);
  const parent = uniqueName("tree");
  await aurae.client.cells.allocate({ spec: { name: parent } });
  await allocateAndFree(aurae.client, [`${parent}/child`, `${parent}x`]);
  await aurae.client.cells.free({ name: parent });
  const watch = (filter: { cellName?: string; kinds?: string[] }) =>
    collectWatch(aurae.client, { afterSequence: start, ...filter }).then((events) => events.map(describeEvent));
  assert.deepEqual(await watch({ cellName: parent }), [
    `cell.allocated ${parent}`, `cell.allocated ${parent}/child`, `cell.freed ${parent}/child`, `cell.freed ${parent}`,
  ]);
  assert.deepEqual(await watch({ cellName: parent, kinds: ["cell.freed"] }), [`cell.freed ${parent}/child`, `cell.freed ${parent}`]);
  assert.deepEqual(await watch({ kinds: ["cell."] }), (await watch({})).filter((d) => d.startsWith("cell.")));
  assert.deepEqual(
    (await listAll(aurae.client, { cellName: `${parent}/child` })).map(describeEvent),
    [`cell.allocated ${parent}/child`, `cell.freed ${parent}/child`],
  );
});

test("from_now skips what was recorded before the watch and streams what comes after", async () => {
  const name = uniqueName("now");
  const collected = collectWatch(aurae.client, { fromNow: true, follow: true, cellName: name }, (events) => events.length >= 2);
  await new Promise((r) => setTimeout(r, 200)); // the watch has started: it was sent before allocate
  assert.deepEqual((await Promise.all([collected, allocateAndFree(aurae.client, [name])]))[0].map(describeEvent), [
    `cell.allocated ${name}`, `cell.freed ${name}`,
  ]);
});

test("bad requests are INVALID_ARGUMENT naming the field, and the daemon keeps serving", async () => {
  const invalid = (field: string) => (e: AuraeClientError) => e.code === "invalid" && e.message.startsWith(`${field}:`);
  const watch = (request: object) => collectWatch(aurae.client, request);
  await assert.rejects(watch({ cellName: "Upper" }), invalid("cell_name"));
  await assert.rejects(watch({ kinds: ["cell.", ""] }), invalid("kinds[1]"));
  await assert.rejects(watch({ kinds: ["cell-freed"] }), invalid("kinds[0]"));
  await assert.rejects(watch({ afterSequence: 1n, fromNow: true }), invalid("from_now"));
  await assert.rejects(watch({ afterSequence: 2n ** 60n }), invalid("after_sequence"));
  await assert.rejects(aurae.client.events.list({ pageSize: -1 }), invalid("page_size"));
  await assert.rejects(aurae.client.events.list({ pageToken: "nope" }), invalid("page_token"));
  await assert.rejects(aurae.client.events.list({ cellName: "a/../b" }), invalid("cell_name"));
  assert.equal((await aurae.client.health.check({})).status, 1);
});

for (const [flag, value] of [["--events-max", "0"], ["--events-max", "lots"], ["--events-max-age", "7"], ["--events-max-age", "1w"]]) {
  test(`auraed refuses ${flag} ${value}, naming the flag`, () => {
    const run = spawnSync(process.execPath, [DAEMON_MAIN, flag!, value!], { encoding: "utf8", timeout: 10_000 });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^auraed: ${flag}: `), run.stderr);
  });
}
