import assert from "node:assert/strict";
import { test } from "node:test";
import { processTreeLines } from "../../../src/cli/process-tree.js";
import type { Process } from "../../../src/gen/aurae/observe/v1/observe.js";

const p = (pid: number, ppid: number, argv: string[], executableName = "web", comm = argv[0] ?? ""): Process => ({ pid, ppid, cellName: "c", executableName, argv, comm });

test("draws each process under its parent, children by pid, as systemctl status draws a cgroup", () => {
  const lines = processTreeLines([p(12, 10, ["sleep", "2"]), p(10, 1, ["sh", "-c", "x"]), p(11, 10, ["sleep", "1"]), p(13, 11, [], "web", "zombie"), p(20, 1, ["other"])]);
  assert.deepEqual(lines, ["├─10 sh -c x", "│ ├─11 sleep 1", "│ │ └─13 [zombie]", "│ └─12 sleep 2", "└─20 other"]);
});

test("labels each group's tree when asked to group", () => {
  const lines = processTreeLines([p(10, 1, ["a"], "x"), p(20, 1, ["b"], "y"), p(21, 20, ["c"], "y")], (q) => q.executableName);
  assert.deepEqual(lines, ["├─x", "│ └─10 a", "└─y", "  └─20 b", "    └─21 c"]);
});
