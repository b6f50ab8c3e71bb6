import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { runExample } from "./run-example.js";

const aurae = useDaemon();

test("hello runs echo in a cell and prints its log and exit code", async () => {
  assert.deepEqual((await runExample(aurae, "hello")).lines, ["Hello from Aurae!", "echo exited with code 0"]);
});
