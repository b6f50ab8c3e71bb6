import assert from "node:assert/strict";
import { test } from "node:test";
import { parentCell, validateCellName, validateExecutableName } from "../../../src/domain/names.js";
import { quote } from "../../../src/errors.js";

const segment63 = "a".repeat(63);
const nested = (depth: number): string => Array.from({ length: depth }, (_, i) => `s${i}`).join("/");

for (const name of ["web", "web/api", "a-b_c/0-9", segment63, `${segment63}/${segment63}`, nested(16), "x"]) {
  test(`accepts the cell name "${name.length > 40 ? `${name.slice(0, 20)}…(${name.length})` : name}"`, () => {
    assert.equal(validateCellName(name, "spec.name"), name);
  });
}

for (const [why, name] of [
  ["a segment of 64 characters", `web/${"a".repeat(64)}`],
  ["uppercase letters", "Web"],
  ["a dot", "web.api"],
  ["a dot segment", "web/./api"],
  ["a dot-dot segment", "web/../api"],
  ["an empty segment", "web//api"],
  ["a leading slash", "/web"],
  ["a trailing slash", "web/"],
  ["a space", "web api"],
  ["a colon", "web:api"],
  ["a non-ASCII letter", "wéb"],
] as const) {
  test(`refuses a cell name with ${why}, naming the field and the name`, () => {
    assert.throws(() => validateCellName(name, "spec.name"), {
      name: "AuraeError",
      kind: "invalid",
      field: "spec.name",
      message: `spec.name: ${quote(name)} is not a cell name: each "/"-separated segment is 1-63 characters of a-z, 0-9, "-" and "_"`,
    });
  });
}

test("quotes only the start of a huge name, so the status stays small", () => {
  const name = "x".repeat(140_000);
  assert.throws(() => validateCellName(name, "name"), {
    message: `name: "${"x".repeat(64)}"… (140000 characters) is not a cell name: each "/"-separated segment is 1-63 characters of a-z, 0-9, "-" and "_"`,
  });
});

test("refuses a cell nested 17 deep, saying how deep it is", () => {
  assert.throws(() => validateCellName(nested(17), "name"), {
    kind: "invalid",
    field: "name",
    message: "name: nests 17 deep, at most 16",
  });
});

test("refuses an empty cell name as missing", () => {
  assert.throws(() => validateCellName("", "cell_name"), { kind: "invalid", field: "cell_name", message: "cell_name: is required" });
});

for (const name of ["api", "worker-1", "a_b", segment63, "0"]) {
  test(`accepts the executable name "${name.length > 40 ? `…(${name.length})` : name}"`, () => {
    assert.equal(validateExecutableName(name, "spec.name"), name);
  });
}

for (const [why, name] of [
  ["a slash", "web/api"],
  ["64 characters", "a".repeat(64)],
  ["uppercase letters", "Api"],
  ["a dot", "api.exe"],
  ["a dot-dot", ".."],
  ["a space", "my api"],
] as const) {
  test(`refuses an executable name with ${why}, naming the field`, () => {
    assert.throws(() => validateExecutableName(name, "spec.name"), {
      kind: "invalid",
      field: "spec.name",
      message: `spec.name: "${name}" is not an executable name: use 1-63 characters of a-z, 0-9, "-" and "_"`,
    });
  });
}

test("refuses an empty executable name as missing", () => {
  assert.throws(() => validateExecutableName("", "name"), { kind: "invalid", field: "name", message: "name: is required" });
});

test("parentCell gives the path without its last segment, and nothing for a top-level cell", () => {
  assert.equal(parentCell("a/b/c"), "a/b");
  assert.equal(parentCell("a/b"), "a");
  assert.equal(parentCell("a"), undefined);
});
