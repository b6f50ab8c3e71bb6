import assert from "node:assert/strict";
import { test } from "node:test";
import { quote } from "../../src/errors.js";

test("quotes a value as JSON, so a NUL, a newline or a quote shows", () => {
  assert.equal(quote('a\0b\n"c"'), '"a\\u0000b\\n\\"c\\""');
});

test("quotes the first 64 characters of a longer value and says how long it was", () => {
  assert.equal(quote("y".repeat(64)), `"${"y".repeat(64)}"`);
  assert.equal(quote("y".repeat(65)), `"${"y".repeat(64)}"… (65 characters)`);
});
