import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import { StateChanges } from "../../../../src/domain/executables/state-changes.js";

test("re-checks at each notify of its key and answers the first value", async () => {
  const changes = new StateChanges();
  let state = "starting";
  const checks: string[] = [];
  const done = changes.until("a", () => (checks.push(state), state === "exited" ? state : undefined), new AbortController().signal);
  changes.notify("b"); // another key: no check
  state = "running";
  changes.notify("a");
  await new Promise((resolve) => setImmediate(resolve));
  state = "exited";
  changes.notify("a");
  assert.equal(await done, "exited");
  assert.deepEqual(checks, ["starting", "running", "exited"]);
});

test("answers undefined once its signal aborts", async () => {
  const ac = new AbortController();
  const done = new StateChanges().until("a", () => undefined, ac.signal);
  ac.abort();
  assert.equal(await done, undefined);
});

test("removes its listeners when it ends, so a thousand waits in turn leave none on a shared signal", async () => {
  const changes = new StateChanges();
  const shared = new AbortController().signal;
  for (let i = 0; i < 1000; i++) {
    let ready = false;
    const done = changes.until("a", () => (ready ? true : undefined), shared);
    ready = true;
    changes.notify("a");
    await done;
    await changes.until("a", () => true, shared); // answered at once
  }
  assert.equal(getEventListeners(shared, "abort").length, 0);
  const thrown = changes.until("a", () => { throw new Error("gone"); }, shared);
  await assert.rejects(thrown, /gone/);
  assert.equal(getEventListeners(shared, "abort").length, 0);
});
