import assert from "node:assert/strict";
import { test } from "node:test";
import { CallLimits } from "../../../src/daemon/limits.js";

test("a token bucket per identity: a burst, then the sustained rate", () => {
  let now = 0;
  const limits = new CallLimits({ ratePerSecond: 10, burst: 5, maxStreams: 1, maxStreamsTotal: 10 }, () => now);
  for (let i = 0; i < 5; i++) assert.equal(limits.takeCall("a"), undefined);
  assert.match(limits.takeCall("a")!, /over its rate of 10 calls per second \(burst 5\)/);
  assert.equal(limits.takeCall("b"), undefined); // another identity has its own budget
  now += 100; // 0.1 s buys one call
  assert.equal(limits.takeCall("a"), undefined);
  assert.notEqual(limits.takeCall("a"), undefined);
});

test("a rate of 0 is unlimited", () => {
  const limits = new CallLimits({ ratePerSecond: 0, burst: 1, maxStreams: 1, maxStreamsTotal: 10 });
  for (let i = 0; i < 1000; i++) assert.equal(limits.takeCall("a"), undefined);
});

test("streams per identity, released once", () => {
  const limits = new CallLimits({ ratePerSecond: 0, burst: 1, maxStreams: 2, maxStreamsTotal: 10 });
  const first = limits.openStream("a");
  const second = limits.openStream("a");
  assert.equal(typeof first, "function");
  assert.match(limits.openStream("a") as string, /already has 2 streams open \(at most 2\)/);
  (first as () => void)();
  (first as () => void)(); // twice is once
  assert.equal(typeof limits.openStream("a"), "function");
  assert.match(limits.openStream("a") as string, /already has 2/);
  assert.equal(typeof second, "function");
});

test("streams of every identity together are capped, and a closed one frees its place for anyone", () => {
  const limits = new CallLimits({ ratePerSecond: 0, burst: 1, maxStreams: 2, maxStreamsTotal: 3 });
  const opened = ["a", "b", "c"].map((identity) => limits.openStream(identity));
  for (const close of opened) assert.equal(typeof close, "function");
  assert.match(limits.openStream("d") as string, /already serves 3 streams \(at most 3 for all callers\)/);
  assert.match(limits.openStream("a") as string, /already serves 3 streams/); // under its own cap of 2, over the total
  (opened[1] as () => void)();
  (opened[1] as () => void)(); // twice is once
  assert.equal(typeof limits.openStream("d"), "function");
  assert.match(limits.openStream("e") as string, /already serves 3 streams/);
});
