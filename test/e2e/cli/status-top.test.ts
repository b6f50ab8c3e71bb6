// aer status and aer top as a script sees them (not on a terminal): their JSON shapes, -q, and exit codes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerOf, eventually, spawnAer } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

async function busyCell(t: { after: (fn: () => unknown) => void }): Promise<string> {
  const cell = uniqueName("cli-status");
  assert.equal((await aer("cell", "allocate", cell, "--memory-max", "64M", "--pids-max", "50")).code, 0);
  t.after(() => aer("cell", "free", cell, "--stop", "--grace", "1s"));
  const lines = "for i in $(seq 1 12); do echo line $i; done; echo warning >&2";
  assert.equal((await aer("exec", "start", cell, "web", "--restart", "always", "--shell", "--", `${lines}; exec sleep 300`)).code, 0);
  return cell;
}

test("status of an executable: state, pid, command, restarts, cell limits, usage and the last 10 log lines", async (t) => {
  const cell = await busyCell(t);
  const pid = JSON.parse((await aer("-o", "json", "exec", "get", cell, "web")).stdout).status.pid;
  const text = (await aer("status", `${cell}/web`)).stdout;
  assert.match(text, new RegExp(`^● ${cell}/web - running\\n`));
  assert.match(text, new RegExp(`^ +State: running, pid ${pid}, started \\S+Z \\(\\S+ ago\\)$`, "m"));
  assert.match(text, /^ +Command: for i in \$\(seq 1 12\)/m);
  assert.match(text, /^ +Restarts: 0 \(policy always\)$/m);
  assert.match(text, new RegExp(`^ +Cell: ${cell} \\(memory max 64M, pids max 50\\)$`, "m"));
  assert.match(text, /^ +Usage: cpu \d+\.\d\ds, memory \S+ \(peak \S+\), pids 1, oom kills 0, io /m);
  assert.match(text, new RegExp(`^ +Processes: 1\\n +└─${pid} sleep 300$`, "m"));
  const logs = text.split("\n\n")[1]!.trim().split("\n");
  assert.equal(logs.length, 10, logs.join("\n"));
  assert.match(logs.at(-1)!, /^\S+Z web: (line 12|warning)$/);
});

test("status -o json of an executable: kind, executable, cell, stats and logs; -q the state alone", async (t) => {
  const cell = await busyCell(t);
  const json = JSON.parse((await aer("-o", "json", "status", `${cell}/web`)).stdout);
  assert.deepEqual(Object.keys(json).sort(), ["cell", "executable", "kind", "logs", "processes", "stats"]);
  assert.equal(json.kind, "executable");
  assert.equal(json.executable.status.state, "EXECUTABLE_STATE_RUNNING");
  assert.equal(json.cell.spec.name, cell);
  assert.equal(typeof json.stats.memoryCurrentBytes, "string");
  assert.equal(json.logs.length, 10);
  for (const key of ["executableName", "line", "nextOffset", "partial", "stream", "text", "timeUnixNano"]) assert.ok(key in json.logs[0], key); // fields may be added
  assert.equal((await aer("-q", "status", `${cell}/web`)).stdout, "running\n");
});

test("status of a cell: limits, isolation, nested cells, its executables and their merged logs", async (t) => {
  const cell = await busyCell(t);
  assert.equal((await aer("cell", "allocate", `${cell}/inner`)).code, 0);
  const text = (await aer("status", cell)).stdout;
  assert.match(text, new RegExp(`${cell} - active\\n`));
  assert.match(text, /^ +Limits: memory max 64M, pids max 50$/m);
  assert.match(text, /^ +Isolation: none$/m);
  assert.match(text, new RegExp(`^ +Cells: ${cell}/inner$`, "m"));
  assert.match(text, /^ +Executables: 1 \(1 running\)$/m);
  assert.match(text, new RegExp(`^ {2}${cell}\\s+web\\s+running\\s+\\d+`, "m"));
  const json = JSON.parse((await aer("-o", "json", "status", cell)).stdout);
  assert.deepEqual(Object.keys(json).sort(), ["cell", "cells", "executables", "kind", "logs", "processes", "stats"]);
  assert.deepEqual(json.cells, [`${cell}/inner`]);
  assert.equal(json.executables[0].spec.name, "web");
  assert.equal((await aer("-q", "cell", "freeze", cell)).code, 0);
  assert.equal((await aer("-q", "status", cell)).stdout, "frozen\n");
  assert.equal((await aer("cell", "thaw", cell)).code, 0);
});

test("status of an executable shows its own usage and its processes as a tree; of a cell, every executable's tree", async (t) => {
  const cell = await busyCell(t); // "web" is one process in the cell besides these
  assert.equal((await aer("cell", "allocate", `${cell}/inner`)).code, 0);
  assert.equal((await aer("exec", "start", `${cell}/inner`, "db", "--", "sleep", "303")).code, 0);
  assert.equal((await aer("exec", "start", cell, "tree", "--shell", "--", "sleep 301 & sleep 302; wait")).code, 0);
  const tree = JSON.parse((await aer("-o", "json", "exec", "get", cell, "tree")).stdout).status.pid;
  await eventually("the shell started both sleeps", async () => /Processes: 3$/m.test((await aer("status", `${cell}/tree`)).stdout));
  const text = (await aer("status", `${cell}/tree`)).stdout;
  assert.match(text, /^ +Usage: .*, pids 3, /m, "the executable's own pids, not the cell's");
  const [, sleep1, sleep2] = /^ {13}└─\d+ .*\n {15}├─(\d+) sleep 301\n {15}└─(\d+) sleep 302$/m.exec(text) ?? [];
  assert.match(text, new RegExp(`^ +Processes: 3\\n {13}└─${tree} /bin/sh -c sleep 301 & sleep 302; wait\\n`, "m"), text);
  assert.ok(sleep1 && sleep2, text);
  const json = JSON.parse((await aer("-o", "json", "status", `${cell}/tree`)).stdout);
  assert.deepEqual(json.processes.map((p: { pid: number; ppid: number }) => [p.pid, p.ppid]), [[tree, json.processes[0].ppid], [Number(sleep1), tree], [Number(sleep2), tree]]);
  assert.equal(json.stats.pidsCurrent, "3");

  const whole = (await aer("status", cell)).stdout;
  assert.match(whole, /^ +Processes: 5$/m);
  assert.match(whole, new RegExp(`^ +├─tree\\n +│ └─${tree} /bin/sh -c .*\\n(.*\\n){2} +├─web\\n +│ └─\\d+ sleep 300\\n +└─inner/db\\n +└─\\d+ sleep 303$`, "m"), whole);
});

test("status with no target shows the node: health, daemon, kernel and cgroup mode, counts, failed executables, recent events", async (t) => {
  const cell = await busyCell(t);
  assert.equal((await aer("exec", "start", cell, "bad", "--", "sh", "-c", "exit 4")).code, 0);
  await aer("exec", "wait", cell, "bad");
  const info = JSON.parse((await aer("-o", "json", "version")).stdout).daemon;
  const text = (await aer("status")).stdout;
  assert.match(text, new RegExp(`^● ${info.hostname} - serving\\n`));
  assert.match(text, /^ +Health: SERVING$/m);
  assert.match(text, new RegExp(`^ +Daemon: auraed ${info.version}, pid ${info.pid}, up \\S+$`, "m"));
  assert.match(text, new RegExp(`^ +Kernel: ${info.kernelRelease}, cgroup (v1|v2|hybrid), node up \\S+$`, "m"));
  assert.match(text, /^ +Cells: [1-9]\d*/m);
  assert.match(text, /^ +Executables: [1-9]\d* \(\d+ running(, \d+ \w+)*, \d+ exited\)$/m, "counts by state, running first");
  assert.match(text, new RegExp(`^ +Failed: .*${cell}/bad \\(code 4\\)`, "m"));
  const events = text.split("Recent events:\n")[1]!.trim().split("\n");
  assert.ok(events.length >= 1 && events.length <= 10, events.join("\n"));
  assert.match(events.at(-1)!, new RegExp(`executable\\.exited +${cell}/bad +code=4`), "the newest event last");

  const json = JSON.parse((await aer("-o", "json", "status")).stdout);
  assert.deepEqual(Object.keys(json).sort(), ["cells", "events", "executables", "failed", "health", "kind", "node"]);
  assert.equal(json.kind, "node");
  assert.equal(json.node.pid, info.pid);
  assert.ok(json.executables.running >= 1 && json.executables.exited >= 1, JSON.stringify(json.executables));
  assert.ok(json.failed.some((x: { spec: { cellName: string; name: string } }) => x.spec.cellName === cell && x.spec.name === "bad"));
  assert.equal((await aer("-q", "status")).stdout, "serving\n");
});

test("status exits 3 for a cell or executable that does not exist", async (t) => {
  const cell = await busyCell(t);
  const missing = await aer("status", `${cell}/nothing`);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /not found/);
  assert.equal((await aer("status", "no-such-cell")).code, 3);
  assert.equal((await aer("status", "Bad/Name")).code, 7);
});

test("top --once prints the cells busiest first with cpu %, memory and pids, each followed by its executables", async (t) => {
  const idle = await busyCell(t);
  const busy = uniqueName("cli-busy");
  assert.equal((await aer("cell", "allocate", busy)).code, 0);
  t.after(() => aer("cell", "free", busy, "--stop", "--grace", "1s"));
  assert.equal((await aer("exec", "start", busy, "spin", "--shell", "--", "while :; do :; done")).code, 0);
  const text = (await aer("top", "--once", "--interval", "500ms")).stdout;
  const lines = text.trim().split("\n");
  assert.match(lines[0]!, /^CELL \/ EXECUTABLE\s+STATE\s+PID\s+CPU%\s+MEMORY\s+PEAK\s+PIDS\s+RESTARTS$/);
  assert.match(lines[1]!, new RegExp(`^${busy}\\s+active\\s+-\\s+(\\d+\\.\\d)\\s`));
  assert.ok(Number(/\s(\d+\.\d)\s/.exec(lines[1]!)![1]) > 20, lines[1]);
  assert.match(lines[2]!, /^ {2}spin\s+running\s+\d+\s+(\d+\.\d)\s+\S+\s+\S+\s+1\s+0$/);
  assert.ok(Number(/^ {2}spin\s+running\s+\d+\s+(\d+\.\d)/.exec(lines[2]!)![1]) > 20, `the executable's own cpu: ${lines[2]}`);
  assert.ok(lines.some((l) => new RegExp(`^${idle}\\s+active`).test(l)));

  const json = JSON.parse((await aer("-o", "json", "top", "--once", "--interval", "300ms")).stdout);
  const busyRow = json.find((r: { cell: string; executable?: string }) => r.cell === busy && r.executable === undefined);
  assert.deepEqual(Object.keys(busyRow).sort(), ["cell", "cpuPercent", "memoryBytes", "memoryPeakBytes", "pids", "state"]);
  const spinRow = json.find((r: { executable?: string }) => r.executable === "spin");
  assert.deepEqual(Object.keys(spinRow).sort(), ["cell", "cpuPercent", "executable", "memoryBytes", "memoryPeakBytes", "pid", "pids", "restarts", "state"]);
  assert.ok((await aer("-q", "top", "--once", "--interval", "100ms")).stdout.includes(`${busy}/spin\n`));
});

test("top --once exits 5 and says so when the daemon is not there", async () => {
  const result = await aer("--socket", `${aurae.dir}/none.sock`, "top", "--once");
  assert.equal(result.code, 5);
  assert.match(result.stderr, /^aer: daemon not running at /);
});

test("top off a terminal prints a frame per interval until Ctrl-C, which exits 130 (128 + SIGINT)", async (t) => {
  const top = spawnAer(t, aurae, ["-o", "json", "top", "--interval", "200ms"]);
  await eventually("a first frame", () => top.stdout().length > 0 || top.child.exitCode !== null);
  top.child.kill("SIGINT");
  await eventually("aer to exit on Ctrl-C", () => top.child.exitCode !== null);
  assert.equal(top.child.exitCode, 130);
});
