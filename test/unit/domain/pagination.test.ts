import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  decodePageToken,
  encodePageToken,
  validatePageSize,
} from "../../../src/domain/pagination.js";

test("reads a page size of 0 (unset in proto3) as the default of 100", () => {
  assert.equal(DEFAULT_PAGE_SIZE, 100);
  assert.equal(validatePageSize(0), 100);
});

test("accepts page sizes from 1 to 1000 as given", () => {
  assert.equal(MAX_PAGE_SIZE, 1000);
  for (const size of [1, 7, 1000]) assert.equal(validatePageSize(size), size);
});

for (const size of [-1, 1001, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
  test(`refuses a page size of ${size}, naming page_size and the value`, () => {
    assert.throws(() => validatePageSize(size), {
      kind: "invalid",
      field: "page_size",
      message: `page_size: must be 1 to 1000, got ${size}`,
    });
  });
}

test("names the field a caller passes when the page size is out of range", () => {
  assert.throws(() => validatePageSize(5000, "list.page_size"), { field: "list.page_size" });
});

test("decodes a token to exactly the key it was made from", () => {
  for (const key of [["web"], ["web/api", "worker-1"], ["", "ünïcode \"quoted\""]])
    assert.deepEqual(decodePageToken(encodePageToken(key), key.length), key);
});

test("makes tokens safe to pass in a URL or a shell", () => {
  assert.match(encodePageToken(["web/api?x=1&y", "~+/"]), /^[A-Za-z0-9_-]+$/);
});

test("decodes an empty token (the first page) to a key of empty strings", () => {
  assert.deepEqual(decodePageToken("", 2), ["", ""]);
});

for (const [what, token] of [
  ["garbage", "not a token!"],
  ["base64 of something that is not JSON", Buffer.from("web/api").toString("base64url")],
  ["a key with the wrong number of parts", encodePageToken(["a", "b"])],
  ["a key that is not a list of strings", Buffer.from(JSON.stringify([1])).toString("base64url")],
  ["an object", Buffer.from(JSON.stringify({ a: "b" })).toString("base64url")],
] as const) {
  test(`refuses a page token that is ${what}, naming page_token`, () => {
    assert.throws(() => decodePageToken(token, 1), {
      kind: "invalid",
      field: "page_token",
      message: "page_token: is not a token this API returned",
    });
  });
}
