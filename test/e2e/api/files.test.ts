// The files auraed keeps on the node have the owners and modes docs/security.md ("Files and modes") documents, and a
// secret in a workload's environment never reaches auraed's log, the event log, the audit log or any file of the
// state directory other than the node database (desired state: the spec, env included, readable by root alone).
// argv is no place for a secret (every local user reads it in /proc/<pid>/cmdline), so argv may be shown.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { test } from "node:test";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { waitForExit } from "../../helpers/executables.js";

const aurae = useDaemon();

/** Mode bits and owner of a path. */
async function modeOf(path: string): Promise<{ mode: number; uid: number }> {
  const { mode, uid } = await stat(path);
  return { mode: mode & 0o777, uid };
}

async function assertMode(path: string, mode: number): Promise<void> {
  const actual = await modeOf(path);
  assert.deepEqual(actual, { mode, uid: process.getuid!() }, `${path}: mode ${actual.mode.toString(8)} uid ${actual.uid}`);
}

/** Every file below `dir`, recursively. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test("the runtime directory is 0700 and the API socket 0600, owned by auraed's user", async () => {
  await assertMode(join(aurae.dir, "run"), 0o700);
  await assertMode(aurae.socketPath, 0o600);
});

test("the state directory is 0700, and the node database with its -wal and -shm 0600", async () => {
  await aurae.client.events.list({}); // the database has been written to: -wal and -shm exist
  await assertMode(aurae.stateDir, 0o700);
  for (const file of ["aurae.db", "aurae.db-wal", "aurae.db-shm"]) await assertMode(join(aurae.stateDir, file), 0o600);
});

test("auraed's log and a workload's log are readable by their owner and group only", async (t) => {
  const cell = await cellForTest(aurae, t, "files");
  await aurae.client.executables.start({ spec: { cellName: cell, name: "talk", argv: ["/bin/echo", "hello"] } });
  await waitForExit(aurae.client, cell, "talk");
  const logs = [join(aurae.stateDir, "daemon-log"), join(aurae.stateDir, "executables", cell, "talk", "log")];
  for (const dir of logs) {
    assert.equal((await modeOf(dir)).mode & 0o007, 0, `${dir} is open to others`);
    const files = await filesBelow(dir);
    assert.ok(files.length > 0, `${dir} holds no log`);
    for (const file of files) assert.equal((await modeOf(file)).mode & 0o007, 0, `${file} is open to others`);
  }
});

test("private keys are 0600, also a server key auraed wrote when it rotated its certificate", async () => {
  const pki = join(aurae.pki.configDir, "pki");
  await aurae.client.pki.rotateServerCertificate({});
  await assertMode(join(pki, "server.key"), 0o600);
  await assertMode(join(pki, "ca.key"), 0o600);
  const { mode } = await modeOf(join(pki, "server.crt"));
  assert.equal(mode & 0o022, 0, "server.crt is writable by others");
});

test("a cell's workload-identity directory is 0700 and its key, client config and socket 0600", async (t) => {
  const cell = await cellForTest(aurae, t, "ident", { workloadIdentity: true });
  const { cell: allocated } = await aurae.client.cells.get({ name: cell });
  const socket = allocated?.status?.socketPath;
  assert.ok(socket, "the cell has no socket of its own");
  const dir = join(socket, "..");
  await assertMode(dir, 0o700);
  for (const file of ["svid.key", "config", "aurae.sock"]) await assertMode(join(dir, file), 0o600);
});

test("a secret in an executable's env never reaches auraed's log, events, the audit log or the state dir (but the database)", async (t) => {
  const secret = `env-secret-${randomBytes(8).toString("hex")}`;
  const cell = await cellForTest(aurae, t, "secret");
  const env = { AURAE_TEST_SECRET: secret };
  await aurae.client.executables.start({ spec: { cellName: cell, name: "ok", argv: ["/bin/sh", "-c", "exit 3"], env } });
  await waitForExit(aurae.client, cell, "ok");
  // Failures log and answer more: a program that is not there, and specs refused by validation.
  const failed = (spec: object) => aurae.client.executables.start({ spec: { cellName: cell, argv: ["/bin/true"], ...spec } });
  await assert.rejects(failed({ name: "missing", argv: ["/nonexistent/program"], env }), (err: Error) => !err.message.includes(secret));
  await assert.rejects(failed({ name: "bad-key", env: { "NOT A NAME": secret } }), (err: Error) => !err.message.includes(secret));
  await assert.rejects(failed({ name: "nul", env: { A: `${secret}\0` } }), (err: Error) => !err.message.includes(secret));

  await new Promise((r) => setTimeout(r, 200)); // the daemon's log is written asynchronously
  assert.ok(!(await aurae.log()).includes(secret), "auraed's stdout log holds the secret");
  const daemonLog: string[] = [];
  for await (const { entries } of aurae.client.observe.getDaemonLogs({})) daemonLog.push(...entries.map((e) => Buffer.from(e.line).toString()));
  assert.ok(daemonLog.length > 0 && !daemonLog.some((line) => line.includes(secret)), "GetDaemonLogs holds the secret");
  const { events } = await aurae.client.events.list({ pageSize: 1000 });
  assert.ok(!JSON.stringify(events, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)).includes(secret), "an event holds the secret");
  const { entries } = await aurae.client.audit.list({ pageSize: 1000 });
  assert.ok(entries.length > 0 && !entries.some((e) => e.details.includes(secret)), "the audit log holds the secret");

  const holding: string[] = [];
  for (const file of await filesBelow(aurae.stateDir)) {
    const path = relative(aurae.stateDir, file);
    // The database holds the spec (to start the workload again after a reboot); a workload's log holds what it printed.
    if (/^aurae\.db(-wal|-shm)?$/.test(path) || /^executables\/[^/]+\/[^/]+\/log\//.test(path)) continue;
    if ((await readFile(file)).includes(secret)) holding.push(path);
  }
  assert.deepEqual(holding, [], "files of the state directory hold the secret");
});

test(
  "a secret in an executable's env is not on its shim's command line, where every local user can read it",
  async (t) => {
    const secret = `env-secret-${randomBytes(8).toString("hex")}`;
    const cell = await cellForTest(aurae, t, "cmdline");
    await aurae.client.executables.start({ spec: { cellName: cell, name: "sleeper", argv: ["/bin/sleep", "30"], env: { S: secret } } });
    const { executable } = await aurae.client.executables.get({ cellName: cell, name: "sleeper" });
    const shimPid = (await readFile(`/proc/${executable!.status!.pid}/stat`, "utf8")).split(") ")[1]!.split(" ")[1]!;
    assert.ok(!(await readFile(`/proc/${shimPid}/cmdline`)).includes(secret), `/proc/${shimPid}/cmdline holds the secret`);
  },
);
