import assert from "node:assert/strict";
import { test } from "node:test";
import { RLIMIT_RESOURCES } from "../../../src/domain/executables/executable-spec.js";
import { parseProcessLimits, readProcessLimits } from "../../../src/runtime/process-limits.js";

test("reads /proc/<pid>/limits rows by prlimit's resource names, unlimited as undefined", () => {
  const limits = parseProcessLimits(
    [
      "Limit                     Soft Limit           Hard Limit           Units     ",
      "Max stack size            8388608              unlimited            bytes     ",
      "Max open files            1024                 1048576              files     ",
      "Max nice priority         0                    0                    ",
      "Max realtime timeout      unlimited            unlimited            us        ",
    ].join("\n"),
  );
  assert.deepEqual([...limits], [
    ["stack", { soft: 8388608n, hard: undefined }],
    ["nofile", { soft: 1024n, hard: 1048576n }],
    ["nice", { soft: 0n, hard: 0n }],
    ["rttime", { soft: undefined, hard: undefined }],
  ]);
});

test("reads this process's own limits: every resource an executable spec names", () => {
  const limits = readProcessLimits();
  assert.deepEqual([...limits.keys()].sort(), [...RLIMIT_RESOURCES].sort());
  assert.throws(() => readProcessLimits("/proc/self/no-such-file"), { kind: "precondition", message: /read \/proc\/self\/no-such-file: ENOENT/ });
});
