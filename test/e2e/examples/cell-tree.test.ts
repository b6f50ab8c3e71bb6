import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { runExample } from "./run-example.js";

const aurae = useDaemon();

test("cell-tree draws the nested cells with their limits and processes, then frees the whole tree", async () => {
  const { lines } = await runExample(aurae, "cell-tree");
  const root = /^(shop-\d+)/.exec(lines[0]!)![1];
  assert.deepEqual(lines.map((l) => l.replace(/\s+memory/, " memory")), [
    `${root} memory.max 256 MiB, pids 1`, // a cell's figures include the cells below it
    "├── backend memory.max 128 MiB, pids 1",
    "│   └── db memory.max 96 MiB, pids 1",
    "└── frontend memory.max 64 MiB, pids 0",
    `freed ${root} and everything below it (0 cells left)`,
  ]);
});
