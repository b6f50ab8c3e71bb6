// aer cell: every command in table, JSON and YAML, -q, --watch, and its exit code on failure.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerOf, eventually, spawnAer } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

test("cell allocate, get, update, freeze, thaw and free print the cell; get -o json is the protobuf JSON of a Cell", async (t) => {
  const cell = uniqueName("cli-cell");
  const allocated = await aer("cell", "allocate", cell, "--memory-max", "64M", "--pids-max", "20");
  assert.equal(allocated.code, 0, allocated.stderr);
  t.after(() => aer("cell", "free", cell));
  assert.match(allocated.stdout, /^NAME\s+MEMORY MAX\s+CPU\s+PIDS MAX\s+FROZEN\s+AGE\n/);
  assert.match(allocated.stdout, new RegExp(`^${cell}\\s+64M\\s+-\\s+20\\s+no\\s+\\d+(ms|s)$`, "m"));

  const json = JSON.parse((await aer("-o", "json", "cell", "get", cell)).stdout);
  assert.deepEqual(Object.keys(json).sort(), ["spec", "status"]);
  assert.equal(json.spec.name, cell);
  assert.deepEqual(json.spec.memory, { maxBytes: String(64 * 2 ** 20) });
  assert.deepEqual(json.spec.pids, { max: "20" });
  assert.equal(json.spec.cpu, undefined, "limits not given are absent");
  assert.equal(json.status.frozen, false);
  assert.ok(!Number.isNaN(Date.parse(json.status.createdAt)));
  assert.ok(Array.isArray(json.status.cgroupPaths));

  const updated = JSON.parse((await aer("-o", "json", "cell", "update", cell, "--pids-max", "30")).stdout);
  assert.equal(updated.spec.pids.max, "30");
  assert.equal(updated.spec.memory, undefined, "limits not given return to unlimited");
  assert.equal(JSON.parse((await aer("-o", "json", "cell", "freeze", cell)).stdout).status.frozen, true);
  assert.equal(JSON.parse((await aer("-o", "json", "cell", "thaw", cell)).stdout).status.frozen, false);
  const freed = await aer("cell", "free", cell);
  assert.deepEqual(freed, { code: 0, stdout: "", stderr: "" });
  assert.equal((await aer("cell", "get", cell)).code, 3);
});

test("cell get -o yaml prints the same values as -o json, and -q the name only", async (t) => {
  const cell = uniqueName("cli-yaml");
  assert.equal((await aer("cell", "allocate", cell, "--memory-max", "32M")).code, 0);
  t.after(() => aer("cell", "free", cell, "--stop"));
  const yaml = (await aer("-o", "yaml", "cell", "get", cell)).stdout;
  assert.match(yaml, new RegExp(`^spec:\\n  name: ${cell}\\n  memory:\\n    maxBytes: "33554432"\\n`));
  assert.match(yaml, /^status:\n {2}createdAt: "[^"]+"\n/m);
  assert.match(yaml, /^ {2}frozen: false$/m);
  assert.equal((await aer("-q", "cell", "get", cell)).stdout, `${cell}\n`);
  assert.equal((await aer("-q", "cell", "allocate", `${cell}/inner`)).stdout, `${cell}/inner\n`);
});

test("cell list prints every cell: a table, a JSON array of Cells, and -q names", async (t) => {
  const a = uniqueName("cli-list");
  const b = uniqueName("cli-list");
  for (const name of [a, b]) {
    assert.equal((await aer("cell", "allocate", name)).code, 0);
    t.after(() => aer("cell", "free", name));
  }
  const names = (await aer("-q", "cell", "list")).stdout.trim().split("\n");
  assert.ok(names.includes(a) && names.includes(b), names.join(","));
  const json = JSON.parse((await aer("-o", "json", "cell", "list")).stdout);
  assert.ok(Array.isArray(json));
  assert.deepEqual(json.map((c: { spec: { name: string } }) => c.spec.name).filter((n: string) => n === a || n === b).sort(), [a, b].sort());
  assert.match((await aer("cell", "list")).stdout, new RegExp(`^${a}\\s`, "m"));
});

test("cell stats prints the usage with the cell's name; -o json is the protobuf JSON of CellStats", async (t) => {
  const cell = uniqueName("cli-stats");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell));
  const table = (await aer("cell", "stats", cell)).stdout;
  assert.match(table, /^NAME\s+CPU\s+THROTTLED\s+MEMORY\s+PEAK\s+OOM KILLS\s+PIDS\s+IO READ\s+IO WRITE\n/);
  assert.match(table, new RegExp(`^${cell}\\s+0s\\s`, "m"));
  const json = JSON.parse((await aer("-o", "json", "cell", "stats", cell)).stdout);
  for (const key of ["cpuUsageUs", "memoryCurrentBytes", "pidsCurrent", "oomKills"]) assert.equal(typeof json[key], "string", key);
  assert.equal((await aer("-q", "cell", "stats", cell)).stdout, `${cell}\n`);
});

test("cell list --watch prints the list again as soon as a cell appears (from the event stream, not the interval)", async (t) => {
  const cell = uniqueName("cli-watch");
  const watch = spawnAer(t, aurae, ["-o", "json", "cell", "list", "--watch", "--interval", "10m"]);
  await eventually("the first list", () => watch.stdout().includes("\n"));
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell));
  await eventually("a second list naming the new cell", () => watch.stdout().split("\n").some((line) => line.includes(`"name":"${cell}"`)), 5000);
  const lines = watch.stdout().trim().split("\n");
  assert.ok(lines.length >= 2);
  for (const line of lines) assert.ok(Array.isArray(JSON.parse(line)), "one JSON array a line");
  watch.child.kill("SIGINT");
  await eventually("aer to exit on Ctrl-C", () => watch.child.exitCode !== null);
  assert.equal(watch.child.exitCode, 130, "Ctrl-C: 128 + SIGINT");
});

test("cell free --stop takes a tree down, and shows no progress when stderr is not a terminal", async () => {
  const cell = uniqueName("cli-free");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  assert.equal((await aer("cell", "allocate", `${cell}/child`)).code, 0);
  for (const name of ["a", "b"]) assert.equal((await aer("exec", "start", `${cell}/child`, name, "--", "sleep", "300")).code, 0);
  assert.deepEqual(await aer("cell", "free", cell, "--stop", "--grace", "1s"), { code: 0, stdout: "", stderr: "" });
  assert.equal((await aer("cell", "get", `${cell}/child`)).code, 3);
});

test("cell commands exit 3 when the cell does not exist, 7 on a name the daemon refuses, 6 when it exists, 2 on usage", async (t) => {
  const missing = await aer("cell", "get", "no-such-cell");
  assert.deepEqual(missing, { code: 3, stdout: "", stderr: 'aer: cell "no-such-cell" not found\n' });
  assert.equal((await aer("cell", "stats", "no-such-cell")).code, 3);
  assert.equal((await aer("cell", "free", "no-such-cell")).code, 3);
  const invalid = await aer("cell", "allocate", "Bad");
  assert.equal(invalid.code, 7);
  assert.match(invalid.stderr, /^aer: spec\.name: .*\n$/);
  const cell = uniqueName("cli-twice");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell));
  const again = await aer("cell", "allocate", cell);
  assert.equal(again.code, 6);
  assert.match(again.stderr, /already exists/);
  assert.equal((await aer("cell", "allocate")).code, 2);
  const badSize = await aer("cell", "allocate", cell, "--memory-max", "lots");
  assert.equal(badSize.code, 2);
  assert.match(badSize.stderr, /^aer: option '--memory-max <size>' argument 'lots' is invalid\. "lots" is not a size such as 64M or 1G\n$/);
  assert.equal((await aer("-o", "xml", "cell", "list")).code, 2);
});
