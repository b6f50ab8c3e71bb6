import assert from "node:assert/strict";
import { test } from "node:test";
import { toYaml } from "../../../src/cli/yaml.js";

test("toYaml writes objects and arrays in block style, a collection in a sequence starting on its dash", () => {
  const value = { spec: { name: "web", argv: ["sh", "-c"], env: {}, tags: [] }, rows: [{ a: 1, b: [true, null] }, [1, 2]] };
  assert.equal(
    toYaml(value),
    [
      "spec:",
      "  name: web",
      "  argv:",
      "    - sh",
      '    - "-c"',
      "  env: {}",
      "  tags: []",
      "rows:",
      "  - a: 1",
      "    b:",
      "      - true",
      "      - null",
      "  - - 1",
      "    - 2",
      "",
    ].join("\n"),
  );
});

test("toYaml quotes every string YAML would read as something else, with JSON's escapes", () => {
  for (const text of ["", "true", "no", "null", "~", "1.5", "0x10", "2026-01-01T00:00:00Z", "a: b", "#x", " lead", "x\ny", "-", "'q'", "@at", "ünï"])
    assert.equal(toYaml(text), `${JSON.stringify(text)}\n`, text);
  for (const text of ["web", "web/api", "EXECUTABLE_STATE_RUNNING", "/sys/fs/cgroup/cpu", "echo hi"]) assert.equal(toYaml(text), `${text}\n`, text);
});

test("toYaml writes an empty list or object at the top as [] and {}", () => {
  assert.equal(toYaml([]), "[]\n");
  assert.equal(toYaml({}), "{}\n");
});
