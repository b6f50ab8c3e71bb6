import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { parseLabelSelector } from "../../../src/domain/labels/label-selector.js";
import { CellsStore } from "../../../src/store/cells-store.js";
import { openDatabase } from "../../../src/store/database.js";
import { EventsStore } from "../../../src/store/events-store.js";
import { tempDir } from "../helpers/temp-dir.js";

const LABELS: Record<string, Record<string, string> | undefined> = {
  a: { app: "web", tier: "front" },
  b: { app: "web", tier: "db" },
  c: { app: "api", tier: "" },
  d: { "example.com/team": "x" },
  e: undefined, // a spec from before labels: none
};

async function cellsWithLabels(t: TestContext): Promise<CellsStore> {
  const db = openDatabase(join(await tempDir(t), "aurae.db"));
  t.after(() => db.close());
  const cells = new CellsStore(db);
  for (const [name, labels] of Object.entries(LABELS))
    cells.insert({ name, spec: JSON.stringify({ name, ...(labels && { labels }) }), createdAtMs: 0, initPid: null, frozen: 0 });
  return cells;
}

for (const [selector, names] of [
  ["", ["a", "b", "c", "d", "e"]],
  ["app=web", ["a", "b"]],
  ["app==web,tier=front", ["a"]],
  ["app!=web", ["c", "d", "e"]], // as in Kubernetes: without the key counts as "not web"
  ["tier=", ["c"]],
  ["tier", ["a", "b", "c"]],
  ["!tier", ["d", "e"]],
  ["tier in (db,front)", ["a", "b"]],
  ["tier notin (db,front)", ["c", "d", "e"]],
  ["app=web,tier!=db", ["a"]],
  ["example.com/team in (x)", ["d"]],
  ["app=nothing", []],
] as const) {
  test(`selects the cells that match ${JSON.stringify(selector)}`, async (t) => {
    const cells = await cellsWithLabels(t);
    assert.deepEqual(cells.page("", 100, undefined, parseLabelSelector(selector)).map((r) => r.name), names);
  });
}

test("counts only matches against a page's limit, so pages of a filtered list are full", async (t) => {
  const cells = await cellsWithLabels(t);
  const selector = parseLabelSelector("app!=web");
  assert.deepEqual(cells.page("", 2, undefined, selector).map((r) => r.name), ["c", "d"]);
  assert.deepEqual(cells.page("d", 2, undefined, selector).map((r) => r.name), ["e"]);
});

test("selects events by the labels they were recorded with", async (t) => {
  const db = openDatabase(join(await tempDir(t), "aurae.db"));
  t.after(() => db.close());
  const events = new EventsStore(db);
  const insert = (labels: Record<string, string>) =>
    events.insert({ timeMs: 0, kind: "cell.allocated", cell: "a", executable: null, attributes: "{}", labels: JSON.stringify(labels) });
  insert({ app: "web" });
  insert({});
  insert({ app: "api" });
  const page = (selector: string) =>
    events.page({ after: 0, through: 3, limit: 10, selector: parseLabelSelector(selector) }).map((r) => r.sequence);
  assert.deepEqual(page("app=web"), [1]);
  assert.deepEqual(page("app!=web"), [2, 3]);
  assert.deepEqual(page(""), [1, 2, 3]);
});
