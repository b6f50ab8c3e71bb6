import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCpuList, parseCpuList, planCpusetWrites, type CpusetNode } from "../../../../src/runtime/cgroups/v1-cpuset.js";

const node = (dir: string, value: string, ...children: CpusetNode[]): CpusetNode => ({ dir, value, children });

test("parseCpuList reads ids and ranges in any order, once each; formatCpuList writes the kernel's form back", () => {
  assert.deepEqual(parseCpuList("5,0-3,2", "cpus"), [0, 1, 2, 3, 5]);
  assert.deepEqual(parseCpuList("", "cpus"), []);
  assert.deepEqual(parseCpuList("7\n", "cpus"), [7]);
  assert.equal(formatCpuList([0, 1, 2, 3, 5, 7, 8]), "0-3,5,7-8");
  assert.equal(formatCpuList([]), "");
});

test("parseCpuList refuses a malformed list naming the field and the value", () => {
  for (const bad of ["one", "3-1", "0-", "1;2", "-1", "0-99999999"])
    assert.throws(() => parseCpuList(bad, "cpuset.cpus"), { kind: "invalid", field: "cpuset.cpus", message: new RegExp(`got "${bad}"`) });
});

test("plans nothing when the set does not change", () => {
  assert.deepEqual(planCpusetWrites(node("web", "0-1", node("web/a", "0-1")), [0, 1]), []);
});

test("narrowing writes the leaf that had the cell's set before the cell (a parent cannot shrink below a child)", () => {
  assert.deepEqual(planCpusetWrites(node("web", "0-3", node("web/a", "0-3"), node("web/b", "0-3")), [1]), [
    { dir: "web/a", value: "1" },
    { dir: "web/b", value: "1" },
    { dir: "web", value: "1" },
  ]);
});

test("widening writes the cell before the leaf (a child cannot reach outside its parent)", () => {
  assert.deepEqual(planCpusetWrites(node("web", "1", node("web/a", "1")), [0, 1, 2, 3]), [
    { dir: "web", value: "0-3" },
    { dir: "web/a", value: "0-3" },
  ]);
});

test("moving to a disjoint set widens to both top-down, then narrows bottom-up", () => {
  assert.deepEqual(planCpusetWrites(node("web", "0", node("web/a", "0", node("web/a/x", "0"))), [1]), [
    { dir: "web", value: "0-1" },
    { dir: "web/a", value: "0-1" },
    { dir: "web/a/x", value: "0-1" },
    { dir: "web/a/x", value: "1" },
    { dir: "web/a", value: "1" },
    { dir: "web", value: "1" },
  ]);
});

test("a child with its own set keeps the part within the new set, or takes the new set when none is", () => {
  const tree = node("web", "0-3", node("web/api", "2-3", node("web/api/x.exe", "2-3")), node("web/db", "3"));
  assert.deepEqual(planCpusetWrites(tree, [0, 1, 2]), [
    { dir: "web/db", value: "0-3" }, // old ∪ new, within web's current 0-3
    { dir: "web/api/x.exe", value: "2" },
    { dir: "web/api", value: "2" },
    { dir: "web/db", value: "0-2" },
    { dir: "web", value: "0-2" },
  ]);
});
