import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_LABELS, MAX_LABELS_CHARS, validateLabels } from "../../../../src/domain/labels/labels.js";

const name63 = `a${"b".repeat(61)}c`;

test("accepts Kubernetes label keys and values, the empty value included", () => {
  const labels = {
    app: "web",
    "app.kubernetes.io/name": "web-1",
    "example.com/tier": "",
    A_b: "X.y_z-9",
    [name63]: name63,
    [`${"a".repeat(253)}/x`]: "1",
    "io.kubernetes.pod/uid": "0f1e",
  };
  assert.deepEqual(validateLabels(labels, "spec.labels"), labels);
});

for (const [why, key] of [
  ["an empty key", ""],
  ["a name of 64 characters", "a".repeat(64)],
  ["a name starting with a dash", "-app"],
  ["a name ending with a dot", "app."],
  ["a space", "my app"],
  ["an empty prefix", "/app"],
  ["an empty name after the prefix", "example.com/"],
  ["two slashes", "a/b/c"],
  ["an uppercase prefix", "Example.com/app"],
  ["a prefix of 254 characters", `${"a".repeat(254)}/app`],
  ["a non-ASCII letter", "appé"],
] as const) {
  test(`refuses a label key with ${why}, naming spec.labels["key"]`, () => {
    assert.throws(() => validateLabels({ [key]: "v" }, "spec.labels"), (err: Error & { field?: string }) => {
      assert.equal(err.name, "AuraeError");
      assert.equal(err.field, `spec.labels[${JSON.stringify(key.length > 64 ? key.slice(0, 64) : key)}${key.length > 64 ? `… (${key.length} characters)` : ""}]`);
      assert.match(err.message, /is not a label key/);
      return true;
    });
  });
}

for (const [why, value] of [
  ["64 characters", "v".repeat(64)],
  ["a leading underscore", "_v"],
  ["a slash", "a/b"],
  ["a space", "a b"],
  ["a comma", "a,b"],
] as const) {
  test(`refuses a label value with ${why}, naming the key`, () => {
    assert.throws(() => validateLabels({ tier: value }, "spec.labels"), {
      name: "AuraeError",
      field: 'spec.labels["tier"]',
      message: new RegExp(`^spec\\.labels\\["tier"\\]: value .* is not a label value`),
    });
  });
}

test("refuses more labels than the bound, and more characters than the bound", () => {
  const many = Object.fromEntries(Array.from({ length: MAX_LABELS + 1 }, (_, i) => [`k${i}`, "v"]));
  assert.throws(() => validateLabels(many, "spec.labels"), { field: "spec.labels", message: /has 65 labels, at most 64/ });
  const long = Object.fromEntries(Array.from({ length: MAX_LABELS }, (_, i) => [`${"p".repeat(200)}/k${i}`, "v".repeat(63)]));
  assert.ok(Object.entries(long).reduce((n, [k, v]) => n + k.length + v.length, 0) > MAX_LABELS_CHARS);
  assert.throws(() => validateLabels(long, "spec.labels"), { field: "spec.labels", message: /at most 16384/ });
});
