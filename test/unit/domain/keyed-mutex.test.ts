import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedMutex } from "../../../src/domain/keyed-mutex.js";

/** A promise with its resolve and reject in hand, to decide from the test when a callback finishes. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets every callback that can start, start. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test("runs callbacks of the same key one at a time, in call order", async () => {
  const mutex = new KeyedMutex();
  const events: string[] = [];
  const gates = [deferred(), deferred(), deferred()];
  const runs = gates.map((gate, i) =>
    mutex.run("web", async () => {
      events.push(`start ${i}`);
      await gate.promise;
      events.push(`end ${i}`);
      return i;
    }),
  );
  await settle();
  assert.deepEqual(events, ["start 0"]);
  gates[2]!.resolve(); // finishing out of order changes nothing: 2 has not started
  gates[1]!.resolve();
  await settle();
  assert.deepEqual(events, ["start 0"]);
  gates[0]!.resolve();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2]);
  assert.deepEqual(events, ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]);
});

test("runs callbacks of different keys at the same time", async () => {
  const mutex = new KeyedMutex();
  const gate = deferred();
  const started: string[] = [];
  const runs = ["web", "db"].map((key) =>
    mutex.run(key, async () => {
      started.push(key);
      await gate.promise;
    }),
  );
  await settle();
  assert.deepEqual(started, ["web", "db"]);
  gate.resolve();
  await Promise.all(runs);
});

test("passes a rejection to its caller and still runs the next callback of the key", async () => {
  const mutex = new KeyedMutex();
  const failing = mutex.run("web", async () => {
    throw new Error("boom");
  });
  const next = mutex.run("web", async () => "ran");
  await assert.rejects(failing, { message: "boom" });
  assert.equal(await next, "ran");
});

test("treats a callback that throws before returning a promise like a rejection", async () => {
  const mutex = new KeyedMutex();
  const failing = mutex.run("web", (() => {
    throw new Error("sync boom");
  }) as () => Promise<never>);
  await assert.rejects(failing, { message: "sync boom" });
  assert.equal(await mutex.run("web", async () => 1), 1);
});

test("runs a key's next callback without waiting for anything once the key is idle", async () => {
  const mutex = new KeyedMutex();
  await mutex.run("web", async () => undefined);
  let ran = false;
  const run = mutex.run("web", async () => {
    ran = true;
  });
  await settle();
  assert.equal(ran, true);
  await run;
});
