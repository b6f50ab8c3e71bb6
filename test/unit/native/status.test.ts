// native/src/status.c: the exit status is renamed into place before it is synced, so the daemon sees an exit without
// waiting for two fsyncs (file, directory); the syncs still follow, before the shim goes on. The second status (the
// log closed) replaces a synced one, so it is synced before its rename: the exit is never lost to a power cut.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { buildShim, hasStrace, opts, tempDir, useCleanup } from "./shim-harness.js";

const repo = path.resolve(import.meta.dirname, "../../..");
const shimPath = path.join(repo, "native/build/aurae-shim");
before(buildShim);

test("the exit's status.json is renamed into place before its syncs; the closed log's is synced before it replaces it", opts, (t) => {
  if (!hasStrace()) return t.skip("strace is not installed");
  const dir = tempDir(useCleanup(t));
  const trace = path.join(dir, "trace");
  const shimArgs = ["--state-dir", path.join(dir, "state"), "--log-dir", path.join(dir, "log"), "--", "/bin/true"];
  // -y: each fd with its path, so the syncs say what they synced. The shim runs to its end (the log closed, the second status written) before strace returns.
  execFileSync("strace", ["-f", "-qq", "-y", "-o", trace, "-e", "trace=fsync,rename,renameat,renameat2", shimPath, ...shimArgs], { stdio: "ignore" });
  const calls = fs.readFileSync(trace, "utf8").split("\n").filter(Boolean);
  const statusRenames = calls.map((line, i) => (/rename.*"status\.json"/.test(line) ? i : -1)).filter((i) => i >= 0);
  assert.equal(statusRenames.length, 2, calls.join("\n")); // the exit, then the closed log
  const [exit, closed] = statusRenames as [number, number];
  const all = calls.join("\n");
  assert.ok(!calls.slice(0, exit).some((line) => line.includes("fsync(")), `an fsync before the exit was visible:\n${all}`);
  const runDir = path.join(dir, "state");
  const synced = (line: string | undefined, file: string): boolean => (line ?? "").includes(`fsync(`) && (line ?? "").includes(`<${file}>`);
  assert.ok(synced(calls[exit + 1], path.join(runDir, "status.json")) && synced(calls[exit + 2], runDir), `the file and its directory are not synced right after the exit's rename:\n${all}`);
  assert.ok(synced(calls[closed - 1], path.join(runDir, "status.json.tmp")), `the closed log's status replaced the exit's before it was synced:\n${all}`);
  assert.ok(synced(calls[closed + 1], runDir), `the directory is not synced after the closed log's rename:\n${all}`);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "state", "status.json"), "utf8")).exitCode, 0);
});
