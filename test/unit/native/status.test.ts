// native/src/status.c: the exit status is renamed into place before it is synced, so the daemon sees an exit without
// waiting for two fsyncs (file, directory); the syncs still follow, before the shim goes on.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { buildShim, hasStrace, opts, tempDir, useCleanup } from "./shim-harness.js";

const repo = path.resolve(import.meta.dirname, "../../..");
const shimPath = path.join(repo, "native/build/aurae-shim");
before(buildShim);

test("status.json is renamed into place first, then the file and its directory are synced", opts, (t) => {
  if (!hasStrace()) return t.skip("strace is not installed");
  const dir = tempDir(useCleanup(t));
  const trace = path.join(dir, "trace");
  const shimArgs = ["--state-dir", path.join(dir, "state"), "--log-dir", path.join(dir, "log"), "--", "/bin/true"];
  // The shim runs to its end (the log closed, the second status written) before strace returns.
  execFileSync("strace", ["-f", "-qq", "-o", trace, "-e", "trace=fsync,rename,renameat,renameat2", shimPath, ...shimArgs], { stdio: "ignore" });
  const calls = fs.readFileSync(trace, "utf8").split("\n").filter(Boolean);
  const statusRenames = calls.map((line, i) => (/rename.*"status\.json"/.test(line) ? i : -1)).filter((i) => i >= 0);
  assert.equal(statusRenames.length, 2, calls.join("\n")); // the exit, then the closed log
  for (const at of statusRenames) {
    const [file, directory] = [calls[at + 1], calls[at + 2]];
    assert.match(file ?? "", /fsync\(/, `no fsync of the file right after the rename:\n${calls.join("\n")}`);
    assert.match(directory ?? "", /fsync\(/, `no fsync of the directory after the file:\n${calls.join("\n")}`);
  }
  assert.ok(!calls.slice(0, statusRenames[0]).some((line) => line.includes("fsync(")), `an fsync before the exit was visible:\n${calls.join("\n")}`);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "state", "status.json"), "utf8")).exitCode, 0);
});
