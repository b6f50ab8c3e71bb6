// The shim's --user, --group, --groups, --umask and --rlimit, against the real binary and kernel: what the workload
// sees, and the clean `err` lines when the kernel refuses or the flags are wrong.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import { before, test } from "node:test";
import { buildShim, opts, runToError, runToExit, tempDir, useCleanup } from "./shim-harness.js";

const { EACCES, EINVAL, EPERM } = os.constants.errno;
const isRoot = process.getuid?.() === 0;
/** A /proc status line's fields: kernels differ in trailing blanks. */
const fields = (line: string): string[] => line.split(/\s+/).filter(Boolean);
const creds = (uid: number, gid: number, groups: string): string[] =>
  ["--user", String(uid), "--group", String(gid), "--groups", groups];

before(buildShim);

test("--user, --group and --groups \"\" run the workload as 65534 with no supplementary groups", opts, async (t) => {
  if (!isRoot) return t.skip("needs root to change credentials");
  const shim = await runToExit(t, {
    argv: ["/bin/sh", "-c", "id -u; id -g; id -G; grep -E '^(Uid|Gid|Groups):' /proc/self/status"],
    flags: creds(65534, 65534, ""),
  });
  const [uid, gid, idGroups, ...status] = shim.contents("stdout");
  assert.deepEqual([uid, gid, idGroups], ["65534", "65534", "65534"]); // id -G lists the effective gid too
  assert.deepEqual(status.map(fields), [
    ["Uid:", "65534", "65534", "65534", "65534"],
    ["Gid:", "65534", "65534", "65534", "65534"],
    ["Groups:"],
  ]);
});

test("--groups sets exactly the supplementary groups given", opts, async (t) => {
  if (!isRoot) return t.skip("needs root to change credentials");
  const shim = await runToExit(t, { argv: ["grep", "^Groups:", "/proc/self/status"], flags: creds(1000, 1000, "4,27") });
  assert.deepEqual(shim.contents("stdout").map(fields), [["Groups:", "4", "27"]]);
});

test("the workload enters its directory as its own user: one only root may enter fails the start", opts, async (t) => {
  if (!isRoot) return t.skip("needs root to change credentials");
  const dir = tempDir(useCleanup(t));
  fs.chmodSync(dir, 0o700); // root's alone
  const { errno, message } = await runToError(t, { argv: ["pwd"], cwd: dir, flags: creds(65534, 65534, "") });
  assert.equal(errno, EACCES);
  assert.equal(message, `chdir ${dir}: Permission denied`);
  fs.chmodSync(dir, 0o711); // now anyone may enter it
  const shim = await runToExit(t, { argv: ["pwd"], cwd: dir, flags: creds(65534, 65534, "") });
  assert.deepEqual(shim.contents("stdout"), [dir]);
});

const CAPS_AND_NNP = ["grep", "-E", "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):", "/proc/self/status"];

test("a workload that is not root keeps no capability in any set, and no_new_privs stops setuid binaries", opts, async (t) => {
  if (!isRoot) return t.skip("needs root to change credentials");
  const shim = await runToExit(t, { argv: CAPS_AND_NNP, flags: creds(65534, 65534, "") });
  const status = Object.fromEntries(shim.contents("stdout").map((line) => fields(line) as [string, string]));
  assert.deepEqual(status, {
    "CapInh:": "0000000000000000",
    "CapPrm:": "0000000000000000",
    "CapEff:": "0000000000000000",
    "CapBnd:": "0000000000000000",
    "CapAmb:": "0000000000000000",
    "NoNewPrivs:": "1",
  });
});

test("a workload run as uid 0 keeps root's bounding set and may gain privileges", opts, async (t) => {
  if (!isRoot) return t.skip("needs root to change credentials");
  const shim = await runToExit(t, { argv: CAPS_AND_NNP, flags: creds(0, 0, "") });
  const status = Object.fromEntries(shim.contents("stdout").map((line) => fields(line) as [string, string]));
  assert.notEqual(status["CapBnd:"], "0000000000000000");
  assert.equal(status["NoNewPrivs:"], "0");
});

test("a refused setuid is an err line naming the uid, and nothing runs", opts, async (t) => {
  if (!isRoot || !fs.existsSync("/usr/bin/setpriv")) return t.skip("needs root and setpriv");
  // Root without CAP_SETUID in its bounding set: setgroups and setgid still work, setuid does not.
  const wrapper = ["/usr/bin/setpriv", "--bounding-set", "-setuid"];
  const { errno, message } = await runToError(t, { argv: ["true"], flags: creds(65534, 65534, ""), wrapper });
  assert.equal(errno, EPERM);
  assert.equal(message, "setuid 65534: Operation not permitted");
});

test("--umask sets the workload's umask", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", "umask"], flags: ["--umask", "027"] });
  assert.deepEqual(shim.contents("stdout"), ["0027"]);
});

test("--rlimit sets soft and hard limits, in the order given", opts, async (t) => {
  const flags = ["--rlimit", "nofile=100:200", "--rlimit", "nofile=64:128", "--rlimit", "core=0:0"];
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", "ulimit -n; ulimit -Hn; ulimit -Hc"], flags });
  assert.deepEqual(shim.contents("stdout"), ["64", "128", "0"]);
});

test("a hard limit the kernel refuses to raise is a clean EPERM err line naming the limit", opts, async (t) => {
  // Above fs.nr_open even CAP_SYS_RESOURCE cannot raise nofile; without it (as here) any raise past the hard limit fails.
  const tooMany = Number(fs.readFileSync("/proc/sys/fs/nr_open", "utf8")) + 1;
  const flags = ["--rlimit", `nofile=${tooMany}:${tooMany}`];
  const { errno, message } = await runToError(t, { argv: ["true"], flags });
  assert.equal(errno, EPERM);
  assert.equal(message, `setrlimit nofile ${tooMany}:${tooMany}: Operation not permitted`);
});

for (const [flags, reason] of [
  [["--user", "65534"], "--user and --group go together"],
  [["--groups", "1"], "--groups needs --user and --group"],
  [creds(65534, 65534, "1,,2"), "--groups 1,,2: want numeric gids separated by commas"],
  [["--user", "nobody", "--group", "1"], "--user nobody: want a numeric uid"],
  [["--user", "1", "--group", "4294967295"], "--group 4294967295: want a numeric gid"],
  [["--umask", "0888"], "--umask 0888: want an octal mode up to 777"],
  [["--rlimit", "files=1:1"], "--rlimit files=1:1: want NAME=SOFT:HARD, NAME one of as, core, cpu,"],
  [["--rlimit", "nofile=64"], "--rlimit nofile=64: want SOFT:HARD, each a number or unlimited"],
  [["--rlimit", "nofile=-1:64"], "--rlimit nofile=-1:64: want SOFT:HARD, each a number or unlimited"],
  // "unlimited" is the largest limit there is.
  [["--rlimit", "nofile=unlimited:64"], "--rlimit nofile=unlimited:64: soft limit above hard limit"],
  [["--stdin", "tty"], "--stdin tty: want null or closed"],
] as const) {
  test(`refuses ${flags.join(" ")} before anything runs: ${reason}`, opts, async (t) => {
    const { errno, message } = await runToError(t, { argv: ["true"], flags: [...flags] });
    assert.equal(errno, EINVAL);
    assert.ok(message.startsWith(reason), message);
  });
}
