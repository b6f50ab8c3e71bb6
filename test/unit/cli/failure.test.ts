import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { describeFailure } from "../../../src/cli/failure.js";
import { EXIT } from "../../../src/cli/exit-codes.js";
import { tempDir } from "../helpers/temp-dir.js";

test("a file error of Node's own is one plain line naming the file, not \"ENOENT: no such file or directory, open ...\"", async (t) => {
  const missing = join(await tempDir(t, "aer-failure-"), "pki", "ca.crt");
  const err = await readFile(missing).then(() => undefined, (e: unknown) => e);
  assert.deepEqual(describeFailure(err), { message: `${missing} does not exist`, exitCode: EXIT.failure });
});

test("anything else keeps its message and exits 1", () => {
  assert.deepEqual(describeFailure(new Error("boom")), { message: "boom", exitCode: EXIT.failure });
});
