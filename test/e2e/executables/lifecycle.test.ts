import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { AuraeClientError, ExecutableState, mib } from "../../../src/client/index.js";
import { cgroupMode } from "../../helpers/cgroups.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, runToExit, waitForExit, waitForLine } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

async function allocate(t: { after: (fn: () => Promise<unknown>) => void }, spec: { memory?: { maxBytes: bigint } } = {}): Promise<string> {
  const name = uniqueName("cell");
  await aurae.client.cells.allocate({ spec: { name, ...spec } });
  t.after(() => aurae.client.cells.free({ name }));
  return name;
}

test("an executable that exits 3 reports exit code 3, its pid and its times", async (t) => {
  const cell = await allocate(t);
  const x = await runToExit(aurae.client, cell, "three", ["sh", "-c", "exit 3"]);
  assert.equal(x.status?.exit?.code, 3);
  assert.equal(x.status?.exit?.signal, undefined);
  assert.equal(x.status?.exit?.oomKilled, false);
  assert.ok(x.status!.pid > 1);
  assert.ok(x.status!.exitedAt! >= x.status!.startedAt!);
});

test("memory max 32 MiB OOM-kills a workload allocating 128 MiB, and get says so with signal 9", async (t) => {
  const cell = await allocate(t, { memory: { maxBytes: mib(32) } });
  assert.equal(await aurae.cgroupFile("memory", cell, { v1: "memory.limit_in_bytes", v2: "memory.max" }), String(mib(32)));
  // dd fills one 128 MiB buffer: the executable itself (not a child of it) grows past the limit.
  const x = await runToExit(aurae.client, cell, "hog", ["dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1"]);
  assert.equal(x.status?.exit?.oomKilled, true, `exit: code ${x.status?.exit?.code}, signal ${x.status?.exit?.signal}`);
  assert.equal(x.status?.exit?.signal, 9);
});

test("the workload joins its cell's cgroups before it runs", async (t) => {
  const cell = await allocate(t);
  const x = await runToExit(aurae.client, cell, "cat", ["cat", "/proc/self/cgroup"]);
  assert.equal(x.status?.exit?.code, 0);
  const log = (await collectLogs(aurae.client, cell, "cat", false)).map((e) => e.line.toString()).join("\n");
  if (cgroupMode() === "v2") assert.equal(log, `0::/${aurae.cgroupRoot}/${cell}/cat.exe`);
  else for (const hierarchy of ["memory", "pids", "cpu"])
    assert.match(log, new RegExp(`:${hierarchy}[^:]*:/${aurae.cgroupRoot}/${cell}/cat\\.exe$`, "m"), log);
});

test("argv runs without a shell, with exactly the env given and the cwd asked for", async (t) => {
  const cell = await allocate(t);
  const run = async (name: string, argv: string[], spec: object = {}): Promise<string[]> => {
    await aurae.client.executables.start({ spec: { cellName: cell, name, argv, ...spec } });
    await waitForExit(aurae.client, cell, name);
    return (await collectLogs(aurae.client, cell, name, false)).map((e) => e.line.toString());
  };
  assert.deepEqual(await run("argv", ["printf", "%s|", "a b", "$HOME", "*"]), ["a b|$HOME|*|"]);
  assert.deepEqual((await run("env", ["env"], { env: { GREETING: "hi there" } })).sort(), [
    "GREETING=hi there",
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  ]);
  assert.deepEqual(await run("pwd", ["pwd"], { cwd: "/tmp" }), ["/tmp"]);
});

test("stop sends SIGTERM: a process that traps it and exits cleanly reports exit code 0", async (t) => {
  const cell = await allocate(t);
  await aurae.client.executables.start({
    spec: { cellName: cell, name: "trap", argv: ["sh", "-c", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done"] },
  });
  await waitForLine(aurae.client, cell, "trap", "ready"); // the shell installed its trap
  const started = Date.now();
  const { executable } = await aurae.client.executables.stop({ cellName: cell, name: "trap", gracePeriodMs: 10_000 });
  assert.equal(executable?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED);
  assert.equal(executable?.status?.exit?.code, 0);
  assert.ok(Date.now() - started < 5000, "a clean exit does not wait for the grace period");
});

test("stop SIGKILLs a process that ignores SIGTERM once the grace period is over", async (t) => {
  const cell = await allocate(t);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "stubborn", argv: ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"] } });
  await waitForLine(aurae.client, cell, "stubborn", "ready");
  const started = Date.now();
  const { executable } = await aurae.client.executables.stop({ cellName: cell, name: "stubborn", gracePeriodMs: 700 });
  assert.ok(Date.now() - started >= 700, "waited the grace period");
  assert.equal(executable?.status?.exit?.signal, 9);
});

test("stop kills what the workload left running in its cgroup, and stopping again is no error", async (t) => {
  const cell = await allocate(t);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "tree", argv: ["sh", "-c", "sleep 1000 & sleep 1000 & echo ready; wait"] } });
  await waitForLine(aurae.client, cell, "tree", "ready");
  await aurae.client.executables.stop({ cellName: cell, name: "tree", gracePeriodMs: 2000 });
  await assert.rejects(readFile(aurae.cgroupDir("pids", `${cell}/tree.exe/cgroup.procs`)), { code: "ENOENT" });
  const again = await aurae.client.executables.stop({ cellName: cell, name: "tree" });
  assert.equal(again.executable?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED);
});

test("start of a missing binary fails with FAILED_PRECONDITION naming the path, and leaves nothing", async (t) => {
  const cell = await allocate(t);
  await assert.rejects(
    aurae.client.executables.start({ spec: { cellName: cell, name: "missing", argv: ["/no/such/binary"] } }),
    (err: AuraeClientError) => err.code === "precondition" && /\/no\/such\/binary/.test(err.message) && /No such file/.test(err.message),
  );
  await assert.rejects(aurae.client.executables.get({ cellName: cell, name: "missing" }), { code: "not-found" });
  await assert.rejects(
    aurae.client.executables.start({ spec: { cellName: cell, name: "nopath", argv: ["no-such-program-anywhere"] } }),
    (err: AuraeClientError) => err.code === "precondition" && /no-such-program-anywhere/.test(err.message),
  );
  await assert.rejects(
    aurae.client.executables.start({ spec: { cellName: cell, name: "badcwd", argv: ["true"], cwd: "/no/such/dir" } }),
    (err: AuraeClientError) => err.code === "precondition" && /\/no\/such\/dir/.test(err.message),
  );
});

test("a name is taken while its executable runs and reusable once it exited", async (t) => {
  const cell = await allocate(t);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "again", argv: ["sleep", "10"] } });
  await assert.rejects(aurae.client.executables.start({ spec: { cellName: cell, name: "again", argv: ["true"] } }), { code: "exists" });
  await aurae.client.executables.stop({ cellName: cell, name: "again", gracePeriodMs: 1000 });
  const x = await runToExit(aurae.client, cell, "again", ["sh", "-c", "exit 7"]);
  assert.equal(x.status?.exit?.code, 7);
});

test("bad requests are INVALID_ARGUMENT or NOT_FOUND naming the field, and the daemon keeps serving", async (t) => {
  const cell = await allocate(t);
  const start = (spec: object) => aurae.client.executables.start({ spec: { cellName: cell, name: "x", argv: ["true"], ...spec } });
  await assert.rejects(start({ name: "Bad.Name" }), (e: AuraeClientError) => e.code === "invalid" && /spec\.name/.test(e.message));
  await assert.rejects(start({ argv: [] }), (e: AuraeClientError) => e.code === "invalid" && /spec\.argv/.test(e.message));
  await assert.rejects(start({ cwd: "relative" }), (e: AuraeClientError) => e.code === "invalid" && /spec\.cwd/.test(e.message));
  await assert.rejects(start({ env: { "A=B": "c" } }), (e: AuraeClientError) => e.code === "invalid" && /spec\.env/.test(e.message));
  await assert.rejects(start({ cellName: "no-such-cell" }), (e: AuraeClientError) => e.code === "not-found" && /no-such-cell/.test(e.message));
  await assert.rejects(aurae.client.executables.start({}), (e: AuraeClientError) => e.code === "invalid" && /spec/.test(e.message));
  await assert.rejects(aurae.client.executables.stop({ cellName: cell, name: "nope" }), { code: "not-found" });
  await assert.rejects(aurae.client.executables.stop({ cellName: cell, name: "x", signal: 99 }), (e: AuraeClientError) => e.code === "invalid" && /signal/.test(e.message));
  await assert.rejects(aurae.client.executables.list({ pageToken: "garbage" }), (e: AuraeClientError) => e.code === "invalid" && /page_token/.test(e.message));
  assert.equal((await aurae.client.health.check({})).status, 1);
});

test("list pages through executables in (cell, name) order", async (t) => {
  const cell = await allocate(t);
  for (const name of ["c", "a", "b"]) await runToExit(aurae.client, cell, name, ["true"]);
  const first = await aurae.client.executables.list({ cellName: cell, pageSize: 2 });
  assert.deepEqual(first.executables.map((x) => x.spec?.name), ["a", "b"]);
  const second = await aurae.client.executables.list({ cellName: cell, pageSize: 2, pageToken: first.nextPageToken });
  assert.deepEqual(second.executables.map((x) => x.spec?.name), ["c"]);
  assert.equal(second.nextPageToken, "");
});
