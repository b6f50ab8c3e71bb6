import assert from "node:assert/strict";
import { test } from "node:test";
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from "../../../src/cli/exit-codes.js";

test("every exit code is distinct, and aer --help lists each but success's and failure's by its number", () => {
  const codes = Object.values(EXIT);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) assert.match(EXIT_CODES_HELP, new RegExp(`^ {2}${code} {2}\\S`, "m"));
});

test("the daemon's answers map to the codes scripts branch on", () => {
  assert.equal(exitCodeFor("not-found"), EXIT.notFound);
  assert.equal(exitCodeFor("denied"), EXIT.denied);
  assert.equal(exitCodeFor("unauthenticated"), EXIT.unauthenticated);
  assert.equal(exitCodeFor("invalid"), EXIT.invalid);
  assert.equal(exitCodeFor("unavailable"), EXIT.unavailable);
  assert.equal(exitCodeFor("deadline"), EXIT.unavailable);
  assert.equal(exitCodeFor("exists"), EXIT.precondition);
  assert.equal(exitCodeFor("internal"), EXIT.failure);
});
