import assert from "node:assert/strict";
import { test } from "node:test";
import { AuraeError } from "../../../../src/errors.js";
import { canBecome, requireTransition, statesBefore } from "../../../../src/domain/executables/state.js";

test("a starting executable may become stopping (a Stop before the shim reported), running or exited", () => {
  assert.deepEqual(statesBefore("stopping").sort(), ["running", "starting"]);
  assert.equal(canBecome("starting", "running"), true);
  assert.equal(canBecome("stopping", "running"), false, "a stopped start must not come back as running");
  assert.equal(canBecome("exited", "running"), false);
});

test("a refused transition is FAILED_PRECONDITION naming the current state", () => {
  assert.throws(
    () => requireTransition({ cell: "web", name: "x", state: "stopping" }, "starting"),
    (err: unknown) => err instanceof AuraeError && err.kind === "precondition" && err.message === 'executable "x" in cell "web" is stopping; it cannot become starting',
  );
  assert.doesNotThrow(() => requireTransition({ cell: "web", name: "x", state: "backoff" }, "starting"));
});
