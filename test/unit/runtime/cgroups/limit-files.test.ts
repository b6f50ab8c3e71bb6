import assert from "node:assert/strict";
import { test } from "node:test";
import type { CgroupLimits } from "../../../../src/runtime/cgroups/driver.js";
import { deviceRules, LIMIT_FIELDS, setFields } from "../../../../src/runtime/cgroups/limit-files.js";

test("setFields lists the fields a limits object sets, in LIMIT_FIELDS order", () => {
  const limits: CgroupLimits = { memory: { swapMaxBytes: 0, maxBytes: 1 }, cpu: { weight: 10 }, io: { devices: [{ major: 8, minor: 0 }] } };
  assert.deepEqual(setFields(limits), ["cpu.weight", "memory.maxBytes", "memory.swapMaxBytes", "io.devices"]);
});

test("setFields ignores undefined values, an empty device list and keys that are not limits", () => {
  const spec = { name: "web", cpu: { weight: undefined }, io: { devices: [] }, pids: {} } as CgroupLimits;
  assert.deepEqual(setFields(spec), []);
});

test("LIMIT_FIELDS names each field once", () => {
  assert.equal(new Set(LIMIT_FIELDS).size, LIMIT_FIELDS.length);
});

test("deviceRules writes a rule per device that has one, then a removal per device the file lists but no longer limits", () => {
  const rules = deviceRules(
    [{ major: 8, minor: 0, readBps: 5 }, { major: 8, minor: 16 }, { major: 7, minor: 1, readBps: 9 }],
    "8:0 100\n8:16 200\n253:0 300\n",
    (d) => (d.readBps === undefined ? undefined : `${d.major}:${d.minor} ${d.readBps}`),
    (key) => `${key} 0`,
  );
  assert.deepEqual(rules, ["8:0 5", "7:1 9", "8:16 0", "253:0 0"]);
});

test("deviceRules reads io.max's key=value rules by their first word", () => {
  assert.deepEqual(
    deviceRules([], "8:0 rbps=1 wbps=max riops=max wiops=max\n", () => undefined, (key) => `${key} drop`),
    ["8:0 drop"],
  );
});
