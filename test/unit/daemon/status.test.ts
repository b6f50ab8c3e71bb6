import assert from "node:assert/strict";
import { test } from "node:test";
import { status } from "@grpc/grpc-js";
import { pino } from "pino";
import { toStatus } from "../../../src/daemon/status.js";
import { invalid } from "../../../src/errors.js";

const log = pino({ level: "silent" });

test("an invalid field is INVALID_ARGUMENT with the message as details", () => {
  const { code, details, metadata } = toStatus(invalid("spec.name", "is required"), log);
  assert.deepEqual({ code, details }, { code: status.INVALID_ARGUMENT, details: "spec.name: is required" });
  assert.deepEqual(metadata?.get("aurae-error-kind"), ["invalid"], "marked as the daemon's own answer");
});

test("cuts details past 1024 characters, keeping the start that names the field", () => {
  const { details } = toStatus(invalid("spiffe_id", `got "${"x".repeat(200_000)}"`), log);
  assert.equal(details.length, 1024 + "… (cut)".length);
  assert.match(details, /^spiffe_id: got "x+… \(cut\)$/);
});
