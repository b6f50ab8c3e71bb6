import assert from "node:assert/strict";
import { test } from "node:test";
import { validateCellSpec, type CellSpec } from "../../../../src/domain/cells/cell-spec.js";

const MIB = 1024 * 1024;

/** Each limit: the field an error names, how to put a value in a spec, and the inclusive bounds the kernel accepts. */
const LIMITS: readonly { field: string; spec: (value: number) => CellSpec; min: number; max: number }[] = [
  { field: "spec.cpu.quota_us", spec: (quotaUs) => ({ name: "web", cpu: { quotaUs } }), min: 1000, max: 1e12 },
  { field: "spec.cpu.period_us", spec: (periodUs) => ({ name: "web", cpu: { periodUs } }), min: 1000, max: 1_000_000 },
  { field: "spec.memory.max_bytes", spec: (maxBytes) => ({ name: "web", memory: { maxBytes } }), min: MIB, max: Number.MAX_SAFE_INTEGER },
  { field: "spec.pids.max", spec: (max) => ({ name: "web", pids: { max } }), min: 1, max: 4_194_304 },
];

for (const { field, spec, min, max } of LIMITS) {
  test(`accepts ${field} at its bounds, ${min} and ${max}`, () => {
    for (const value of [min, max]) assert.deepEqual(validateCellSpec(spec(value)), spec(value));
  });

  const bad = [min - 1, max + 1, min + 0.5, -min, Number.NaN];
  for (const value of bad) {
    test(`refuses ${field} = ${value}, naming the field, the bounds and the value`, () => {
      assert.throws(() => validateCellSpec(spec(value)), {
        name: "AuraeError",
        kind: "invalid",
        field,
        message: `${field}: must be an integer from ${min} to ${max}, got ${value}`,
      });
    });
  }
}

test("accepts a spec with no limits: every limit is optional", () => {
  const spec: CellSpec = { name: "web/api", cpu: {}, memory: {}, pids: {} };
  assert.equal(validateCellSpec(spec), spec);
});

test("accepts every limit at once", () => {
  const spec: CellSpec = { name: "web", cpu: { quotaUs: 50_000, periodUs: 100_000 }, memory: { maxBytes: 32 * MIB }, pids: { max: 64 } };
  assert.equal(validateCellSpec(spec), spec);
});

test("refuses a bad name as spec.name before looking at any limit", () => {
  assert.throws(() => validateCellSpec({ name: "Web", pids: { max: 0 } }), { kind: "invalid", field: "spec.name" });
});
