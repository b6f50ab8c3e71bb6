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
  { field: "spec.cpu.weight", spec: (weight) => ({ name: "web", cpu: { weight } }), min: 1, max: 10_000 },
  { field: "spec.memory.high_bytes", spec: (highBytes) => ({ name: "web", memory: { highBytes } }), min: MIB, max: Number.MAX_SAFE_INTEGER },
  { field: "spec.memory.low_bytes", spec: (lowBytes) => ({ name: "web", memory: { lowBytes } }), min: MIB, max: Number.MAX_SAFE_INTEGER },
  { field: "spec.memory.min_bytes", spec: (minBytes) => ({ name: "web", memory: { minBytes } }), min: MIB, max: Number.MAX_SAFE_INTEGER },
  { field: "spec.io.weight", spec: (weight) => ({ name: "web", io: { weight } }), min: 1, max: 10_000 },
  {
    field: "spec.io.devices[0].read_bytes_per_second",
    spec: (readBps) => ({ name: "web", io: { devices: [{ device: "8:0", readBps }] } }),
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
  },
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

test("cpusets use the kernel's list syntax", () => {
  assert.doesNotThrow(() => validateCellSpec({ name: "web", cpuset: { cpus: "0-2,4", mems: "0" } }));
  assert.throws(() => validateCellSpec({ name: "web", cpuset: { cpus: "0..2" } }), { field: "spec.cpuset.cpus" });
  assert.throws(() => validateCellSpec({ name: "web", cpuset: { mems: "all" } }), { field: "spec.cpuset.mems" });
});
test("a cpu list names cpus below 8192 and a node list nodes below 1024, each range low to high", () => {
  assert.doesNotThrow(() => validateCellSpec({ name: "web", cpuset: { cpus: "0,8191", mems: "1023" } }));
  assert.throws(() => validateCellSpec({ name: "web", cpuset: { cpus: "0-8192" } }), {
    field: "spec.cpuset.cpus",
    message: "spec.cpuset.cpus: cpu 8192 is past the most a kernel has (8192)",
  });
  assert.throws(() => validateCellSpec({ name: "web", cpuset: { cpus: "99999999999999999999" } }), { field: "spec.cpuset.cpus" });
  assert.throws(() => validateCellSpec({ name: "web", cpuset: { mems: "1024" } }), { field: "spec.cpuset.mems" });
  assert.throws(() => validateCellSpec({ name: "web", cpuset: { cpus: "3-1" } }), {
    field: "spec.cpuset.cpus",
    message: "spec.cpuset.cpus: range 3-1 runs backwards",
  });
  assert.throws(() => validateCellSpec({ name: "web", cpuset: { cpus: "0,".repeat(20_000) + "0" } }), { field: "spec.cpuset.cpus", message: /… \(40001 characters\) is not a cpu list/ });
});


test("an io device is a /dev path or MAJOR:MINOR", () => {
  assert.doesNotThrow(() => validateCellSpec({ name: "web", io: { devices: [{ device: "/dev/vda" }, { device: "253:0" }] } }));
  assert.throws(() => validateCellSpec({ name: "web", io: { devices: [{ device: "vda" }] } }), { field: "spec.io.devices[0].device" });
});
for (const device of ["/dev/../etc/passwd", "/dev/./sda", "/dev//sda", "/dev/", "/dev/sda\0", "/devices/sda", `/dev/${"d".repeat(4091)}`]) {
  test(`refuses the io device ${JSON.stringify(device.slice(0, 30))}: a path below /dev without "." or ".."`, () => {
    assert.throws(() => validateCellSpec({ name: "web", io: { devices: [{ device: "8:0" }, { device }] } }), {
      kind: "invalid",
      field: "spec.io.devices[1].device",
      message: /is neither a \/dev path nor MAJOR:MINOR$/,
    });
  });
}

test("accepts a device below a /dev subdirectory", () => {
  assert.doesNotThrow(() => validateCellSpec({ name: "web", io: { devices: [{ device: "/dev/mapper/vg-lv_0" }, { device: "/dev/disk/by-id/nvme-x:1" }] } }));
});

test("refuses more than 64 io devices", () => {
  const devices = Array.from({ length: 65 }, (_, i) => ({ device: `8:${i}` }));
  assert.throws(() => validateCellSpec({ name: "web", io: { devices } }), {
    kind: "invalid",
    field: "spec.io.devices",
    message: "spec.io.devices: has 65 devices, at most 64",
  });
  assert.doesNotThrow(() => validateCellSpec({ name: "web", io: { devices: devices.slice(0, 64) } }));
});


const none = { pid: false, network: false, mount: false, uts: false, ipc: false, cgroup: false };

test("only a top-level cell chooses namespaces, and pid isolation needs mount isolation", () => {
  assert.doesNotThrow(() => validateCellSpec({ name: "web", isolation: { ...none, pid: true, mount: true } }));
  assert.doesNotThrow(() => validateCellSpec({ name: "web/api", isolation: none }));
  assert.throws(() => validateCellSpec({ name: "web/api", isolation: { ...none, network: true } }), { field: "spec.isolation" });
  assert.throws(() => validateCellSpec({ name: "web", isolation: { ...none, pid: true } }), { field: "spec.isolation.pid" });
});
