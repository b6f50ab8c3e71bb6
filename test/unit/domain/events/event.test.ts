import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { EVENT_KINDS, exitAttributes, validateEventFilter } from "../../../../src/domain/events/event.js";

test("documents every event kind in the API", async () => {
  const proto = await readFile(new URL("../../../../proto/aurae/events/v1/events.proto", import.meta.url), "utf8");
  for (const kind of EVENT_KINDS) assert.match(proto, new RegExp(`//\\s+${kind.replace(".", "\\.")}\\s`), kind);
});

test("reads an empty cell name and an empty kind list as no filter", () => {
  assert.deepEqual(validateEventFilter({ cell: "", kinds: [] }), {});
  assert.deepEqual(validateEventFilter({}), {});
  assert.deepEqual(validateEventFilter({ cell: "web/api", kinds: ["executable.", "cell.freed"] }), {
    cell: "web/api",
    kinds: ["executable.", "cell.freed"],
  });
});

test("refuses more than 100 kinds, a kind that is not a-z, _ and ., and a kind longer than 128 characters", () => {
  assert.throws(() => validateEventFilter({ kinds: Array<string>(101).fill("cell.") }), { field: "kinds", message: "kinds: at most 100 kinds, got 101" });
  assert.throws(() => validateEventFilter({ kinds: ["cell.", "Cell.Freed"] }), { field: "kinds[1]", message: /"Cell.Freed" is not an event kind/ });
  assert.doesNotThrow(() => validateEventFilter({ kinds: ["a".repeat(128)] }));
  assert.throws(() => validateEventFilter({ kinds: ["a".repeat(129)] }), { field: "kinds[0]", message: "kinds[0]: is 129 characters long, at most 128" });
});

test("describes an exit by code or signal, and whether the OOM killer ended it", () => {
  assert.deepEqual(exitAttributes({ code: 0, signal: null, oomKilled: false }), { code: "0", oom_killed: "false" });
  assert.deepEqual(exitAttributes({ code: null, signal: 9, oomKilled: true }), { signal: "9", oom_killed: "true" });
});
