import assert from "node:assert/strict";
import { test } from "node:test";
import { describeWaitStatus, encodeLaunchRequest, parseLauncherReport } from "../../../../src/runtime/shim/launcher-protocol.js";

test("a request is id, argc, argv bytes and env bytes as little-endian u32, then the NUL-ended arguments, then the env block", () => {
  const frame = encodeLaunchRequest(0x01020304, ["--state-dir", "/s", "--", "sh"], Buffer.from("A=1\0"))!;
  const argv = "--state-dir\0/s\0--\0sh\0";
  assert.deepEqual([...frame.subarray(0, 4)], [4, 3, 2, 1]);
  assert.equal(frame.readUInt32LE(4), 4);
  assert.equal(frame.readUInt32LE(8), argv.length);
  assert.equal(frame.readUInt32LE(12), 4);
  assert.equal(frame.subarray(16).toString(), `${argv}A=1\0`);
});

test("a request without an environment says 0 env bytes; one too large for the launcher is not encoded", () => {
  const frame = encodeLaunchRequest(1, ["--"], undefined)!;
  assert.equal(frame.readUInt32LE(12), 0);
  assert.equal(frame.length, 16 + 3);
  assert.equal(encodeLaunchRequest(2, ["--"], Buffer.alloc(8 * 1024 * 1024 + 1)), undefined);
  assert.equal(encodeLaunchRequest(3, ["x".repeat(4 * 1024 * 1024)], undefined), undefined);
  assert.equal(encodeLaunchRequest(4, [], undefined), undefined);
});

test("the reports: ready, fail, and per request id forked, ok, err; reaped by the shim's pid", () => {
  assert.deepEqual(parseLauncherReport("ready"), { kind: "ready" });
  assert.deepEqual(parseLauncherReport("fail 13 move to the shims' cgroup: open x: Permission denied"), {
    kind: "fail",
    errno: 13,
    message: "move to the shims' cgroup: open x: Permission denied",
  });
  assert.deepEqual(parseLauncherReport("7 forked 4242"), { kind: "forked", id: 7, shimPid: 4242 });
  assert.deepEqual(parseLauncherReport("7 ok 4243 1796686225005062617"), { kind: "ok", id: 7, pid: 4243, startedAtUnixNano: 1796686225005062617n });
  assert.deepEqual(parseLauncherReport("8 err 2 exec \"nope\": not found in PATH /bin: No such file or directory"), {
    kind: "err",
    id: 8,
    errno: 2,
    message: 'exec "nope": not found in PATH /bin: No such file or directory',
  });
  assert.deepEqual(parseLauncherReport("reaped 4242 256"), { kind: "reaped", shimPid: 4242, waitStatus: 256 });
});

test("a line that is none of the reports parses as nothing", () => {
  for (const line of ["", "ok 1 2", "7 started 1", "reaped x 1", "7 forked", "readyy"]) assert.equal(parseLauncherReport(line), undefined, line);
});

test("a wait status reads as an exit code or a signal", () => {
  assert.equal(describeWaitStatus(0), "exit code 0");
  assert.equal(describeWaitStatus(256), "exit code 1");
  assert.equal(describeWaitStatus(9), "signal 9");
});
