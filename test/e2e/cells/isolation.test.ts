// Namespaces of a cell: a reaper as pid 1, its own network with lo up, hostname, /proc; nested cells share them.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { AuraeClientError } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { procsIn } from "../../helpers/cgroups.js";
import { collectLogs, isAlive, sleep, waitForExit, waitForLine } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";
import { parentOf } from "../../helpers/node-state.js";

const aurae = useDaemon();
const ALL = { pid: true, network: true, mount: true, uts: true, ipc: true, cgroup: true };

async function run(cell: string, name: string, script: string): Promise<string[]> {
  await aurae.client.executables.start({ spec: { cellName: cell, name, argv: ["sh", "-c", script] } });
  const x = await waitForExit(aurae.client, cell, name);
  const lines = (await collectLogs(aurae.client, cell, name, false)).map((e) => e.line.toString());
  assert.equal(x.status?.exit?.code, 0, lines.join("\n"));
  return lines;
}

test("an isolated cell's workload is pid 2 under the reaper, sees no host process, only lo, and its own hostname", async (t) => {
  const cell = uniqueName("iso");
  const { cell: allocated } = await aurae.client.cells.allocate({ spec: { name: cell, isolation: ALL } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true }));
  const initPid = allocated!.status!.initPid;
  assert.ok(initPid > 1 && isAlive(initPid));
  const [pid, parentOfInit, hostname, processes, ...interfaces] = await run(
    cell,
    "look",
    "echo $$; cat /proc/1/comm; hostname; ls /proc | grep -c '^[0-9]'; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
  );
  assert.equal(pid, "2");
  assert.equal(parentOfInit, "aurae-shim");
  assert.equal(hostname, cell);
  assert.ok(Number(processes) <= 6, `${processes} processes visible`);
  assert.deepEqual(interfaces, ["lo"]);
  // The cell shares the host's sysfs, so ask the kernel through netlink (ip) from inside the namespace.
  const links = await run(cell, "lo", "ip -o link show");
  assert.equal(links.length, 1, links.join("\n"));
  assert.match(links[0]!, /^1: lo: <LOOPBACK,UP,LOWER_UP>/);
  assert.deepEqual(await run(cell, "cg", "cat /proc/self/cgroup | grep '^0::'"), ["0::/"], "its own cgroup namespace");
});

test("a nested cell shares its parent's namespaces and sits inside its cgroups", async (t) => {
  const top = uniqueName("nest");
  await aurae.client.cells.allocate({ spec: { name: top, isolation: { pid: true, mount: true, uts: true } } });
  t.after(() => aurae.client.cells.free({ name: top, stop: true }));
  await aurae.client.cells.allocate({ spec: { name: `${top}/inner` } });
  await aurae.client.executables.start({ spec: { cellName: top, name: "outer", argv: ["sleep", "60"] } });
  const { executable } = await aurae.client.executables.start({ spec: { cellName: `${top}/inner`, name: "probe", argv: ["sleep", "60"] } });
  const hostPid = executable!.status!.pid;
  const status = await readFile(`/proc/${hostPid}/status`, "utf8");
  const nspid = status.match(/^NSpid:\s+(.*)$/m)![1]!.split(/\s+/);
  assert.equal(nspid.length, 2, "one level of pid namespace below the host");
  const [hostname] = await run(`${top}/inner`, "name", "hostname");
  assert.equal(hostname, top);
  const cgroups = await readFile(`/proc/${hostPid}/cgroup`, "utf8");
  assert.match(cgroups, new RegExp(`:/${aurae.cgroupRoot}/${top}/inner/probe\\.exe$`, "m"));
  await assert.rejects(
    aurae.client.cells.allocate({ spec: { name: `${top}/other`, isolation: { network: true } } }),
    (e: AuraeClientError) => e.code === "invalid" && /spec\.isolation/.test(e.message),
  );
});

test("an orphan of a double fork is reaped by the cell's reaper: no zombie remains", async (t) => {
  const cell = uniqueName("reap");
  const { cell: allocated } = await aurae.client.cells.allocate({ spec: { name: cell, isolation: { pid: true, mount: true } } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 }));
  const initPid = allocated!.status!.initPid;
  // The main process stays: once it exits, what it left in its cgroup is killed, and no reaper would be needed.
  const { executable } = await aurae.client.executables.start({
    spec: { cellName: cell, name: "fork", argv: ["sh", "-c", "(sleep 1 &); echo ready; exec sleep 600"] },
  });
  await waitForLine(aurae.client, cell, "fork", "ready");
  const main = executable!.status!.pid;
  const [orphan, ...more] = (await procsIn(aurae.cgroupDir("pids", `${cell}/fork.exe`))).filter((pid) => pid !== main);
  assert.ok(orphan !== undefined && more.length === 0, "one orphan beside the main process");
  // Reparented to the cell's reaper: the shim (a subreaper outside the namespace), host init or another reaper
  // would fail here...
  assert.equal(await parentOf(orphan), initPid);
  // ...which collects it once it exits: a zombie would stay alive to kill(0), and in the reaper's children.
  for (let waitedMs = 0; isAlive(orphan) && waitedMs < 10_000; waitedMs += 50) await sleep(50);
  assert.equal(isAlive(orphan), false, `orphan ${orphan} is still there (a zombie nobody reaps?)`);
  assert.deepEqual(await childrenOf(initPid), [], "the reaper has no child left, not even a zombie");
});

const childrenOf = async (pid: number): Promise<number[]> =>
  (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8")).split(" ").filter(Boolean).map(Number);

test("freeing an isolated cell ends its reaper and every process in its namespaces", async () => {
  const cell = uniqueName("end");
  const { cell: allocated } = await aurae.client.cells.allocate({ spec: { name: cell, isolation: { pid: true, mount: true } } });
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "s", argv: ["sleep", "60"] } });
  await aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 });
  assert.equal(isAlive(allocated!.status!.initPid), false);
  assert.equal(isAlive(executable!.status!.pid), false);
});

test("pid isolation without mount isolation is refused: the cell would see the host's /proc", async () => {
  await assert.rejects(
    aurae.client.cells.allocate({ spec: { name: uniqueName("bad"), isolation: { pid: true } } }),
    (e: AuraeClientError) => e.code === "invalid" && /spec\.isolation\.pid/.test(e.message),
  );
});
