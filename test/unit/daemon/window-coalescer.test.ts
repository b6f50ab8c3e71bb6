import assert from "node:assert/strict";
import { test } from "node:test";
import { WindowCoalescer } from "../../../src/daemon/window-coalescer.js";

interface Item {
  readonly key: string;
  readonly n: number;
}

function coalescer(options: { perWindow: number; maxKeys?: number }) {
  let now = 0;
  const passed: Item[] = [];
  const summaries: { last: Item; suppressed: number }[] = [];
  const c = new WindowCoalescer<Item>({
    ...options,
    windowMs: 1000,
    now: () => now,
    keyOf: (item) => item.key,
    pass: (item) => passed.push(item),
    summarise: (last, suppressed) => summaries.push({ last, suppressed }),
  });
  return { c, passed, summaries, advance: (ms: number) => (now += ms) };
}

test("passes the first items of each key per window, and summarises the rest with the last when it closes", () => {
  const { c, passed, summaries, advance } = coalescer({ perWindow: 2 });
  for (let n = 0; n < 5; n++) c.add({ key: "a", n });
  c.add({ key: "b", n: 0 });
  assert.deepEqual(passed.map((i) => `${i.key}${i.n}`), ["a0", "a1", "b0"]);
  c.flush();
  assert.equal(summaries.length, 0, "a window still open is not summarised");
  advance(1000);
  c.flush();
  assert.deepEqual(summaries, [{ last: { key: "a", n: 4 }, suppressed: 3 }]);
  c.add({ key: "a", n: 5 });
  assert.equal(passed.at(-1)?.n, 5, "a new window passes again");
  c.close();
});

test("summarises a closed window when its key comes back, before the new window starts", () => {
  const { c, passed, summaries, advance } = coalescer({ perWindow: 1 });
  c.add({ key: "a", n: 0 });
  c.add({ key: "a", n: 1 });
  advance(1500);
  c.add({ key: "a", n: 2 });
  assert.deepEqual(summaries, [{ last: { key: "a", n: 1 }, suppressed: 1 }]);
  assert.deepEqual(passed.map((i) => i.n), [0, 2]);
  c.close();
});

test("past maxKeys, new keys share one window, so many keys cannot pass unbounded", () => {
  const { c, passed, summaries } = coalescer({ perWindow: 1, maxKeys: 2 });
  for (let n = 0; n < 10; n++) c.add({ key: `peer-${n}`, n });
  assert.deepEqual(passed.map((i) => i.n), [0, 1, 2], "two keys of their own, then one shared window");
  c.close();
  assert.deepEqual(summaries, [{ last: { key: "peer-9", n: 9 }, suppressed: 7 }], "close summarises open windows");
});
