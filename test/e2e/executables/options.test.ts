// What a process is started with: user and groups, umask, rlimits, stdin, a shell only when asked.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AuraeClientError, executablesV1 } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, waitForExit } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

async function output(t: { after: (fn: () => Promise<unknown>) => void }, spec: object): Promise<string[]> {
  const cell = uniqueName("opts");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true }));
  await aurae.client.executables.start({ spec: { cellName: cell, name: "x", ...spec } });
  const x = await waitForExit(aurae.client, cell, "x");
  const lines = (await collectLogs(aurae.client, cell, "x", false)).map((e) => e.line.toString());
  assert.equal(x.status?.exit?.code, 0, lines.join("\n"));
  return lines;
}

test("runs as the user and groups asked for, by name or by id", async (t) => {
  assert.deepEqual(await output(t, { argv: ["id"], user: "nobody", group: "nogroup", supplementaryGroups: [] }), [
    "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)",
  ]);
  assert.deepEqual(await output(t, { argv: ["sh", "-c", "id -u; id -g; id -G"], user: "1234", group: "4321", supplementaryGroups: ["5", "6"] }), [
    "1234",
    "4321",
    "4321 5 6",
  ]);
});

test("an unknown user is FAILED_PRECONDITION naming the field", async (t) => {
  const cell = uniqueName("opts");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell }));
  await assert.rejects(
    aurae.client.executables.start({ spec: { cellName: cell, name: "x", argv: ["true"], user: "no-such-user" } }),
    (e: AuraeClientError) => e.code === "precondition" && /spec\.user/.test(e.message),
  );
});

test("umask, rlimits and a closed stdin reach the process", async (t) => {
  assert.deepEqual(await output(t, { argv: ["sh", "-c", "umask"], umask: 0o027 }), ["0027"]);
  assert.deepEqual(
    await output(t, { argv: ["sh", "-c", "ulimit -Sn; ulimit -Hn"], rlimits: [{ resource: "nofile", soft: 64n, hard: 128n }] }),
    ["64", "128"],
  );
  assert.deepEqual(await output(t, { argv: ["sh", "-c", "[ -e /proc/self/fd/0 ] && echo open || echo closed"], stdin: executablesV1.StdinMode.STDIN_MODE_CLOSED }), ["closed"]);
  assert.deepEqual(await output(t, { argv: ["readlink", "/proc/self/fd/0"] }), ["/dev/null"]);
});

test("a shell runs only when asked, with the one command line given", async (t) => {
  assert.deepEqual(await output(t, { argv: ["echo $((6 * 7))"], shell: true }), ["42"]);
  assert.deepEqual(await output(t, { argv: ["echo", "$((6 * 7))"] }), ["$((6 * 7))"]);
  const cell = uniqueName("opts");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell }));
  await assert.rejects(
    aurae.client.executables.start({ spec: { cellName: cell, name: "x", argv: ["echo", "a"], shell: true } }),
    (e: AuraeClientError) => e.code === "invalid" && /spec\.argv/.test(e.message),
  );
});

test("exit status carries the cpu time the process used", async (t) => {
  const cell = uniqueName("opts");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell }));
  await aurae.client.executables.start({ spec: { cellName: cell, name: "busy", argv: ["sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"] } });
  const x = await waitForExit(aurae.client, cell, "busy");
  assert.ok(x.status!.exit!.cpuUserUs + x.status!.exit!.cpuSystemUs >= 50_000n, JSON.stringify(x.status!.exit, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
});
