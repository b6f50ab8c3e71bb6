import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeLogCursor, encodeLogCursor, type LogPositions } from "../../../../src/domain/logs/log-cursor.js";

const CASES: LogPositions[] = [
  { x: 0 },
  { x: 7 },
  { x: 42 },
  { x: 104 },
  { x: 52_000_000 },
  { x: Number.MAX_SAFE_INTEGER },
  { "cat-0": 1, ab: 22, abc: 333, abcd: 4444, "größe": 55555, auraed: 10_485_696 },
];

for (const positions of CASES) {
  test(`a cursor is the base64url of {"v":1,"p":...} JSON and decodes to its positions: ${JSON.stringify(positions)}`, () => {
    const cursor = encodeLogCursor(positions);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    // What any reader of the format (an older auraed too) makes of it: JSON with whitespace between tokens.
    assert.deepEqual(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")), { v: 1, p: positions });
    assert.deepEqual(decodeLogCursor(cursor), positions);
  });
}

test("decodes a cursor written without the spaces, as auraed wrote them before", () => {
  const compact = Buffer.from(JSON.stringify({ v: 1, p: { x: 104, y: 7 } })).toString("base64url");
  assert.deepEqual(decodeLogCursor(compact), { x: 104, y: 7 });
});

for (const [what, text] of [
  ["a negative position", '{"v":1,"p":{"x":-1}}'],
  ["another version", '{"v":2,"p":{"x":1}}'],
  ["not JSON", "web/api"],
]) {
  test(`refuses ${what} as not a cursor this API returned`, () => {
    assert.throws(() => decodeLogCursor(Buffer.from(text).toString("base64url")), { kind: "invalid", field: "cursor" });
  });
}
