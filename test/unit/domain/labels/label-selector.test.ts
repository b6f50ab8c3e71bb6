import assert from "node:assert/strict";
import { test } from "node:test";
import { parseLabelSelector, type LabelSelector } from "../../../../src/domain/labels/label-selector.js";

for (const [text, selector] of [
  ["", []],
  ["  ", []],
  ["app=web", [{ key: "app", operator: "in", values: ["web"] }]],
  ["app==web", [{ key: "app", operator: "in", values: ["web"] }]],
  ["app = web", [{ key: "app", operator: "in", values: ["web"] }]],
  ["app!=web", [{ key: "app", operator: "notin", values: ["web"] }]],
  ["app=", [{ key: "app", operator: "in", values: [""] }]],
  ["app", [{ key: "app", operator: "exists", values: [] }]],
  ["!app", [{ key: "app", operator: "!exists", values: [] }]],
  ["! app", [{ key: "app", operator: "!exists", values: [] }]],
  ["env in (prod, qa)", [{ key: "env", operator: "in", values: ["prod", "qa"] }]],
  ["env in(prod)", [{ key: "env", operator: "in", values: ["prod"] }]],
  ["env notin (prod,qa,prod)", [{ key: "env", operator: "notin", values: ["prod", "qa"] }]],
  ["env in (prod,)", [{ key: "env", operator: "in", values: ["prod", ""] }]],
  [
    "app=web,tier!=db, env in (a,b),!legacy,example.com/x",
    [
      { key: "app", operator: "in", values: ["web"] },
      { key: "tier", operator: "notin", values: ["db"] },
      { key: "env", operator: "in", values: ["a", "b"] },
      { key: "legacy", operator: "!exists", values: [] },
      { key: "example.com/x", operator: "exists", values: [] },
    ],
  ],
] as const satisfies readonly (readonly [string, LabelSelector])[]) {
  test(`parses ${JSON.stringify(text)} into its requirements`, () => {
    assert.deepEqual(parseLabelSelector(text), selector);
  });
}

for (const [why, text] of [
  ["a trailing comma", "app=web,"],
  ["two commas in a row", "app=web,,tier=db"],
  ["a bad key", "-app=web"],
  ["a bad value", "app=-web"],
  ["a value with a space", "app=web server"],
  ["an empty set", "env in ()"],
  ["an unclosed set", "env in (a,b"],
  ["a set without an operator", "env (a,b)"],
  ["an unknown operator", "env ~ a"],
  ["a comparison Kubernetes allows only on numbers", "replicas>3"],
  ["a negated equality", "!app=web"],
  ["a triple equals", "app===web"],
] as const) {
  test(`refuses a selector with ${why}, naming label_selector`, () => {
    assert.throws(() => parseLabelSelector(text), { name: "AuraeError", field: "label_selector", message: /^label_selector: / });
  });
}

test("refuses a selector past its bound", () => {
  assert.throws(() => parseLabelSelector(`a in (${"x,".repeat(9000)}x)`), { field: "label_selector", message: /at most 16384/ });
});
