// native/src/monitor.c: what a workload leaves behind in its cgroups is killed before its exit is recorded, through
// cgroup.kill where a hierarchy has it, without reading cgroup.procs of the others first (that is on the path of the
// exit the daemon waits for).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { buildShim, canUseCgroup, hasStrace, makeCgroup, opts, tempDir, uniqueName, useCleanup } from "./shim-harness.js";

const repo = path.resolve(import.meta.dirname, "../../..");
const shimPath = path.join(repo, "native/build/aurae-shim");
before(buildShim);

test("leftovers die by cgroup.kill, and no cgroup.procs is read when a hierarchy has cgroup.kill", opts, (t) => {
  if (!canUseCgroup("pids", "unified")) return t.skip("needs root and /sys/fs/cgroup/{pids,unified}");
  if (!hasStrace()) return t.skip("strace is not installed");
  const defer = useCleanup(t);
  const dir = tempDir(defer);
  const name = uniqueName("leftovers");
  const [pids, unified] = [makeCgroup(defer, "pids", name), makeCgroup(defer, "unified", name)];
  if (!fs.existsSync(path.join(unified, "cgroup.kill"))) return t.skip("the kernel has no cgroup.kill (before 5.14)");
  const trace = path.join(dir, "trace");
  const args = ["--state-dir", path.join(dir, "state"), "--log-dir", path.join(dir, "log"), "--cgroup", pids, "--cgroup", unified];
  // The workload exits at once and leaves a sleep behind; the shim ends only once that sleep is gone too.
  execFileSync("strace", ["-f", "-qq", "-o", trace, "-e", "trace=open,openat", shimPath, ...args, "--", "/bin/sh", "-c", "sleep 600 & exit 0"], {
    stdio: "ignore",
    timeout: 20_000,
  });
  const opened = fs.readFileSync(trace, "utf8");
  assert.match(opened, /cgroup\.kill/);
  assert.doesNotMatch(opened, /cgroup\.procs/, "a cgroup.procs was read although cgroup.kill did the work");
  assert.equal(fs.readFileSync(path.join(pids, "cgroup.procs"), "utf8"), "", "the leftover still runs");
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "state", "status.json"), "utf8")).exitCode, 0);
});
