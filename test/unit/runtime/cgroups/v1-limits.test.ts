import assert from "node:assert/strict";
import { test } from "node:test";
import { planV1Memory, sharesFromWeight } from "../../../../src/runtime/cgroups/v1-limits.js";

const MIB = 1_048_576;
const V1_UNLIMITED = "9223372036854771712";
const files = (plan: ReturnType<typeof planV1Memory>) => plan.map((w) => `${w.file}=${w.value}`);

test("sharesFromWeight uses the kernel's scale: weight 100 is the default 1024 shares, never below 2", () => {
  assert.equal(sharesFromWeight(100), 1024);
  assert.equal(sharesFromWeight(50), 512);
  assert.equal(sharesFromWeight(1), 10);
  assert.equal(sharesFromWeight(10_000), 102_400);
  assert.equal(sharesFromWeight(0.1), 2);
});

test("a new cell's memory limit with swap writes the limit first: memsw stays unlimited until then", () => {
  const plan = planV1Memory({ memory: { maxBytes: 64 * MIB, swapMaxBytes: 16 * MIB } }, V1_UNLIMITED, { reset: false, withMemsw: true });
  assert.deepEqual(files(plan), [`memory.limit_in_bytes=${64 * MIB}`, `memory.memsw.limit_in_bytes=${80 * MIB}`]);
});

test("a new cell's memory limit without swap leaves memsw alone", () => {
  assert.deepEqual(files(planV1Memory({ memory: { maxBytes: 64 * MIB } }, V1_UNLIMITED, { reset: false, withMemsw: true })), [
    `memory.limit_in_bytes=${64 * MIB}`,
  ]);
  assert.deepEqual(planV1Memory({}, V1_UNLIMITED, { reset: false, withMemsw: true }), []);
});

test("raising the limit writes memsw first, so the limit never exceeds it", () => {
  const plan = planV1Memory({ memory: { maxBytes: 128 * MIB, swapMaxBytes: 16 * MIB } }, String(64 * MIB), { reset: true, withMemsw: true });
  assert.deepEqual(files(plan), [`memory.memsw.limit_in_bytes=${144 * MIB}`, `memory.limit_in_bytes=${128 * MIB}`]);
});

test("lowering memsw below the current limit writes the limit first", () => {
  const plan = planV1Memory({ memory: { maxBytes: 32 * MIB, swapMaxBytes: 0 } }, String(128 * MIB), { reset: true, withMemsw: true });
  assert.deepEqual(files(plan), [`memory.limit_in_bytes=${32 * MIB}`, `memory.memsw.limit_in_bytes=${32 * MIB}`]);
});

test("update without memory limits makes memsw unlimited first, then the limit", () => {
  assert.deepEqual(files(planV1Memory({}, String(32 * MIB), { reset: true, withMemsw: true })), [
    "memory.memsw.limit_in_bytes=-1",
    "memory.limit_in_bytes=-1",
  ]);
});

test("update of a limit where the kernel keeps no memsw writes the limit alone", () => {
  assert.deepEqual(files(planV1Memory({ memory: { maxBytes: MIB } }, String(2 * MIB), { reset: true, withMemsw: false })), [
    `memory.limit_in_bytes=${MIB}`,
  ]);
});
