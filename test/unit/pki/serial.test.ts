import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalSerial, displaySerial } from "../../../src/pki/serial.js";

test("displaySerial shows a serial as issued, in whole octets, whatever form it was typed in", () => {
  for (const typed of ["0123abcd", "123abcd", "01:23:AB:CD", "0123ABCD", "000123abcd"]) assert.equal(displaySerial(typed), "0123abcd", typed);
  assert.equal(displaySerial("7f00"), "7f00");
  assert.equal(displaySerial("0"), "00");
});

test("a serial shown as issued reads back as the same canonical serial", () => {
  for (const serial of ["0123abcd", "7f00", "1", "0a0b"]) assert.equal(canonicalSerial(displaySerial(serial)), canonicalSerial(serial));
});
