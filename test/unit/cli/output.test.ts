import assert from "node:assert/strict";
import { test } from "node:test";
import { Cell } from "../../../src/gen/aurae/cells/v1/cells.js";
import { formatRows, protoJson, type Printer } from "../../../src/cli/output.js";

interface Item {
  readonly name: string;
  readonly size: number;
}

const PRINTER: Printer<Item> = {
  columns: [["NAME", (i) => i.name], ["SIZE", (i) => String(i.size)]],
  toJson: (i) => ({ name: i.name, size: i.size }),
  name: (i) => i.name,
};
const rows = [{ item: { name: "web", size: 10 } }, { item: { name: "database", size: 2 } }];
const table = { format: "table", quiet: false } as const;

test("formatRows pads a table to its widest cells, without trailing blanks", () => {
  assert.equal(formatRows(rows, PRINTER, table), "NAME      SIZE\nweb       10\ndatabase  2\n");
});

test("formatRows prints a list as a JSON array, one item as an object, and -q names", () => {
  assert.deepEqual(JSON.parse(formatRows(rows, PRINTER, { format: "json", quiet: false })), [{ name: "web", size: 10 }, { name: "database", size: 2 }]);
  assert.deepEqual(JSON.parse(formatRows(rows.slice(0, 1), PRINTER, { format: "json", quiet: false }, true)), { name: "web", size: 10 });
  assert.equal(formatRows(rows, PRINTER, { format: "yaml", quiet: true }), "web\ndatabase\n");
});

test("formatRows labels rows from several nodes: NODE column, node field, always an array, node<TAB>name", () => {
  const fanned = [{ node: "a:1", item: rows[0]!.item }, { node: "b:1", item: rows[1]!.item }];
  assert.equal(formatRows(fanned, PRINTER, table), "NODE  NAME      SIZE\na:1   web       10\nb:1   database  2\n");
  assert.deepEqual(JSON.parse(formatRows(fanned.slice(0, 1), PRINTER, { format: "json", quiet: false }, true)), [{ node: "a:1", name: "web", size: 10 }]);
  assert.equal(formatRows(fanned, PRINTER, { format: "table", quiet: true }), "a:1\tweb\nb:1\tdatabase\n");
});

test("protoJson keeps every field of the JSON mapping at its default, and leaves unset ones out", () => {
  const cell = Cell.fromPartial({ spec: { name: "web", memory: { maxBytes: 0n } }, status: { frozen: false, initPid: 0 } });
  const json = protoJson(Cell, cell) as { spec: Record<string, unknown>; status: Record<string, unknown> };
  assert.deepEqual(json.spec.memory, { maxBytes: "0" });
  assert.equal(json.status.frozen, false);
  assert.equal(json.status.initPid, 0);
  assert.deepEqual(json.status.cgroupPaths, []);
  assert.equal("cpu" in json.spec, false, "an unset message stays absent");
  assert.equal("createdAt" in json.status, false, "an unset time stays absent");
});
