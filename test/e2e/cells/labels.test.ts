// Labels of cells: kept in the spec, replaced by Update, selected by List's label_selector a page at a time, and
// refused naming the field when they or a selector are malformed.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuraeClient, AuraeClientError } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { readPages } from "../../helpers/pages.js";

const aurae = useDaemon();

/** Every cell under `under` that `labelSelector` matches, read `pageSize` at a time; answers the pages' names. */
const pagesOf = (client: AuraeClient, under: string, labelSelector: string, pageSize: number): Promise<string[][]> =>
  readPages((pageToken) => client.cells.list({ cellName: under, labelSelector, pageSize, pageToken }), (page) => page.cells.map((c) => c.spec!.name));

test("allocate keeps a cell's labels, and List selects by them a full page at a time", async (t) => {
  const top = uniqueName("labels");
  await aurae.client.cells.allocate({ spec: { name: top, labels: { team: "infra" } } });
  t.after(() => aurae.client.cells.free({ name: top, stop: true }));
  const tiers = ["web", "db", "web", "cache", "web", "web", "db"];
  for (const [i, tier] of tiers.entries()) {
    const { cell } = await aurae.client.cells.allocate({ spec: { name: `${top}/c${i}`, labels: { tier, "example.com/index": String(i) } } });
    assert.deepEqual(cell!.spec!.labels, { tier, "example.com/index": String(i) });
  }
  assert.deepEqual((await aurae.client.cells.get({ name: `${top}/c3` })).cell!.spec!.labels, { tier: "cache", "example.com/index": "3" });

  // Four web cells among seven: pages of two are full until the matches run out, whatever lies between them.
  assert.deepEqual(await pagesOf(aurae.client, top, "tier=web", 2), [[`${top}/c0`, `${top}/c2`], [`${top}/c4`, `${top}/c5`]]);
  assert.deepEqual((await pagesOf(aurae.client, top, "tier!=web", 2)).flat(), [top, `${top}/c1`, `${top}/c3`, `${top}/c6`]);
  assert.deepEqual((await pagesOf(aurae.client, top, "tier in (db,cache),example.com/index notin (6)", 1)).flat(), [`${top}/c1`, `${top}/c3`]);
  assert.deepEqual((await pagesOf(aurae.client, top, "!tier", 5)).flat(), [top]);
  assert.deepEqual((await pagesOf(aurae.client, top, "team", 5)).flat(), [top]);
  assert.deepEqual((await pagesOf(aurae.client, top, "tier=none", 5)).flat(), []);
});

test("update replaces a cell's labels with the spec's, and List sees the new ones", async (t) => {
  const name = uniqueName("relabel");
  await aurae.client.cells.allocate({ spec: { name, labels: { app: "web", stage: "beta" } } });
  t.after(() => aurae.client.cells.free({ name }));
  const { cell } = await aurae.client.cells.update({ spec: { name, labels: { app: "api" } } });
  assert.deepEqual(cell!.spec!.labels, { app: "api" });
  assert.deepEqual((await pagesOf(aurae.client, name, "app=web", 10)).flat(), []);
  assert.deepEqual((await pagesOf(aurae.client, name, "app=api,!stage", 10)).flat(), [name]);
  await aurae.client.cells.update({ spec: { name } });
  assert.deepEqual((await aurae.client.cells.get({ name })).cell!.spec!.labels, {});
});

test("a malformed label is INVALID_ARGUMENT naming spec.labels[key], and nothing is allocated", async () => {
  const name = uniqueName("badlabel");
  for (const [labels, field] of [
    [{ "bad key": "x" }, 'spec.labels["bad key"]'],
    [{ app: "-web" }, 'spec.labels["app"]'],
    [{ app: "v".repeat(64) }, 'spec.labels["app"]'],
    [{ "Example.com/app": "web" }, 'spec.labels["Example.com/app"]'],
  ] as const) {
    await assert.rejects(aurae.client.cells.allocate({ spec: { name, labels } }), (e: AuraeClientError) => {
      assert.equal(e.code, "invalid");
      assert.ok(e.message.includes(`${field}:`), e.message);
      return true;
    });
  }
  await assert.rejects(aurae.client.cells.get({ name }), { code: "not-found" });
});

test("a malformed selector is INVALID_ARGUMENT naming label_selector", async () => {
  for (const labelSelector of ["app=web,", "env in ()", "app~web", "-app"]) {
    await assert.rejects(aurae.client.cells.list({ labelSelector }), (e: AuraeClientError) => {
      assert.equal(e.code, "invalid");
      assert.match(e.message, /label_selector: /);
      return true;
    });
  }
});
