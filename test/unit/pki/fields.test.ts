import assert from "node:assert/strict";
import { test } from "node:test";
import { randomSerialHex, subjectName, validity } from "../../../src/pki/fields.js";

test("serials are random positive 16-byte integers in minimal DER, as lowercase hex", () => {
  const serials = Array.from({ length: 2000 }, randomSerialHex);
  for (const serial of serials) {
    assert.match(serial, /^[0-9a-f]{32}$/);
    const first = Number.parseInt(serial.slice(0, 2), 16);
    assert.ok(first >= 0x01 && first <= 0x7f, `first byte ${first} would be negative or need a leading zero`);
  }
  assert.equal(new Set(serials).size, serials.length);
});

test("validity starts five minutes ago and lasts validDays", () => {
  const before = Date.now();
  const { notBefore, notAfter } = validity({ validDays: 10 });
  const after = Date.now();
  assert.ok(notBefore.getTime() >= before - 5 * 60_000 && notBefore.getTime() <= after - 5 * 60_000);
  assert.ok(notAfter.getTime() >= before + 10 * 86_400_000 && notAfter.getTime() <= after + 10 * 86_400_000);
});

test("validity keeps explicit dates, even in the past, and refuses an end before the start", () => {
  const notBefore = new Date("2020-01-01T00:00:00Z");
  const notAfter = new Date("2020-01-02T00:00:00Z");
  assert.deepEqual(validity({ notBefore, notAfter, validDays: 1 }), { notBefore, notAfter });
  assert.throws(() => validity({ notBefore: notAfter, notAfter: notBefore, validDays: 1 }), {
    field: "notAfter",
    message: /^notAfter: must be after notBefore \(2020-01-02T00:00:00\.000Z\), got 2020-01-01T00:00:00\.000Z$/,
  });
  assert.throws(() => validity({ notAfter: new Date("nonsense"), validDays: 1 }), { field: "notAfter" });
});

test("validity refuses a lifetime that is not a positive whole number of days", () => {
  for (const validDays of [0, -1, 1.5, Number.NaN])
    assert.throws(() => validity({ validDays }), { field: "validDays", message: /whole number of days/ });
});

test("subject names are CN only, and refuse an empty or over-long common name", () => {
  assert.deepEqual(subjectName("a, b=c", "commonName"), [{ CN: ["a, b=c"] }]);
  assert.throws(() => subjectName(" ", "commonName"), { field: "commonName", message: /must not be empty/ });
  assert.throws(() => subjectName("x".repeat(65), "cn"), { field: "cn", message: /at most 64 characters long/ });
});
