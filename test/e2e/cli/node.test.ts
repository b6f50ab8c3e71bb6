// aer health and aer version, --node to reach a daemon over TCP, and --nodes fanning a read out over several.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerOf } from "./run-aer.js";
import { useSecondNode } from "./second-node.js";

const aurae = useDaemon({ tcp: true });
const second = useSecondNode(aurae);
const aer = aerOf(aurae);
const VERSION = (await import("../../../package.json", { with: { type: "json" } })).default.version;
/** Nothing listens there: port 1 on loopback is refused at once. */
const DEAD = "[::1]:1";

test("health prints SERVING; -o json an object; -q nothing, only the exit code", async () => {
  assert.deepEqual(await aer("health"), { code: 0, stdout: "SERVING\n", stderr: "" });
  assert.deepEqual(JSON.parse((await aer("-o", "json", "health")).stdout), { service: "", status: "SERVING" });
  assert.deepEqual(await aer("-q", "health"), { code: 0, stdout: "", stderr: "" });
  assert.equal((await aer("health", "aurae.cells.v1.CellService")).stdout, "SERVING\n");
  assert.equal((await aer("health", "no.such.Service")).code, 3);
});

test("version prints aer's version and, from NodeService.Info, the daemon's and its node's", async () => {
  const table = await aer("version");
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^client {3}aer ${VERSION} \\(node v\\d+`));
  assert.match(table.stdout, new RegExp(`^daemon {3}auraed ${VERSION}, pid ${aurae.pid}, up \\S+ \\(since \\S+Z\\)$`, "m"));
  assert.match(table.stdout, /^node {5}\S+, kernel \S+, cgroup (v1|v2|hybrid), up \S+$/m);
  const json = JSON.parse((await aer("-o", "json", "version")).stdout);
  assert.deepEqual(Object.keys(json).sort(), ["client", "daemon"]);
  assert.deepEqual(json.client, { version: VERSION });
  assert.deepEqual(Object.keys(json.daemon).sort(), ["cgroupMode", "daemonLogError", "daemonLogLinesLost", "hostname", "kernelRelease", "nodeUptimeMs", "pid", "startedAt", "uptimeMs", "version"]);
  assert.equal(json.daemon.version, VERSION);
  assert.equal(json.daemon.pid, aurae.pid);
  assert.match(json.daemon.cgroupMode, /^CGROUP_MODE_(V1|V2|HYBRID)$/);
  assert.ok(Number(json.daemon.uptimeMs) > 0 && Number(json.daemon.nodeUptimeMs) >= Number(json.daemon.uptimeMs));
  assert.equal((await aer("-q", "version")).stdout, `${VERSION}\n`);
  assert.match((await aer("-o", "yaml", "version")).stdout, new RegExp(`^client:\\n  version: "${VERSION.replace(/\./g, "\\.")}"\\ndaemon:\\n  version: `));
});

test("version still prints the client's version when no daemon answers, and exits 5", async () => {
  const down = await aer("--node", DEAD, "-o", "json", "version");
  assert.equal(down.code, 5);
  assert.deepEqual(JSON.parse(down.stdout), { client: { version: VERSION }, daemon: null });
  assert.match(down.stderr, /^aer: daemon not running at \[::1\]:1/);
});

test("--node reaches a daemon over TCP", async () => {
  const secondNode = await second.address();
  const info = JSON.parse((await aer("--node", `[::1]:${aurae.tcpPort}`, "-o", "json", "version")).stdout);
  assert.equal(info.daemon.pid, aurae.pid);
  assert.deepEqual(await aer("--node", secondNode, "health"), { code: 0, stdout: "SERVING\n", stderr: "" });
});

test("--nodes fans a read out: a NODE column, a node field in every JSON row, -q node<TAB>name", async (t) => {
  const secondNode = await second.address();
  const first = `[::1]:${aurae.tcpPort}`;
  const cell = uniqueName("cli-fan");
  for (const node of [first, secondNode]) {
    assert.equal((await aer("--node", node, "cell", "allocate", cell)).code, 0);
    t.after(() => aer("--node", node, "cell", "free", cell));
  }
  const nodes = `${first},${secondNode}`;
  const table = await aer("--nodes", nodes, "cell", "list");
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^NODE\s+NAME\s+MEMORY MAX/);
  for (const node of [first, secondNode]) assert.match(table.stdout, new RegExp(`^${node.replace(/[[\]]/g, "\\$&")}\\s+${cell}\\s`, "m"));
  const json = JSON.parse((await aer("--nodes", nodes, "-o", "json", "cell", "get", cell)).stdout);
  assert.deepEqual(json.map((c: { node: string }) => c.node), [first, secondNode]);
  assert.equal(json[1].spec.name, cell);
  assert.equal((await aer("--nodes", nodes, "-q", "cell", "get", cell)).stdout, `${first}\t${cell}\n${secondNode}\t${cell}\n`);
  const versions = JSON.parse((await aer("--nodes", nodes, "-o", "json", "version")).stdout);
  assert.deepEqual(versions.daemons.map((d: { node: string }) => d.node), [first, secondNode]);
  assert.notEqual(versions.daemons[0].pid, versions.daemons[1].pid, "two daemons answered");
});

test("--nodes reports a node that fails on one line, still shows the others, and exits with that node's code", async () => {
  const secondNode = await second.address();
  const result = await aer("--nodes", `${secondNode},${DEAD}`, "-o", "json", "health");
  assert.equal(result.code, 5);
  assert.deepEqual(JSON.parse(result.stdout), [{ node: secondNode, service: "", status: "SERVING" }]);
  assert.match(result.stderr, /^aer: node \[::1\]:1: daemon not running at \[::1\]:1.*\n$/);
});

test("--nodes is refused by commands that change a node, with exit code 2", async () => {
  const secondNode = await second.address();
  const result = await aer("--nodes", secondNode, "cell", "allocate", uniqueName("nope"));
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^aer: --nodes fans out reads only; "aer cell allocate" acts on one node: use --node\n$/);
});
