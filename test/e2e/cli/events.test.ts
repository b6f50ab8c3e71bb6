// aer events: the event log as a table, JSON lines and YAML documents, filtered by cell, kind and time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerOf, eventually, spawnAer } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

test("events prints a cell's events in order as a table, JSON lines (protobuf Event) and YAML", async () => {
  const cell = uniqueName("cli-ev");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  assert.equal((await aer("cell", "free", cell)).code, 0);
  const table = (await aer("events", "--cell", cell)).stdout.trim().split("\n");
  assert.equal(table.length, 2, table.join("\n"));
  assert.match(table[0]!, new RegExp(`^\\s*\\d+  \\S+Z  cell\\.allocated\\s+${cell}$`));
  assert.match(table[1]!, /cell\.freed/);
  const json = (await aer("-o", "json", "events", "--cell", cell)).stdout.trim().split("\n").map((l) => JSON.parse(l));
  for (const key of ["attributes", "cellName", "executableName", "kind", "sequence", "time"]) assert.ok(key in json[0], key); // fields may be added
  assert.equal(json[0].kind, "cell.allocated");
  assert.equal(json[0].executableName, "");
  assert.ok(BigInt(json[1].sequence) > BigInt(json[0].sequence));
  const yaml = (await aer("-o", "yaml", "events", "--cell", cell, "--kind", "cell.freed")).stdout;
  assert.match(yaml, new RegExp(`^---\\nsequence: "\\d+"\\ntime: "[^"]+"\\nkind: cell\\.freed\\ncellName: ${cell}\\n`));
});

test("events --since keeps only recent events; --after resumes after a sequence", async () => {
  const daemon = (await aer("-o", "json", "events", "--kind", "daemon.")).stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(daemon[0].kind, "daemon.started");
  assert.equal((await aer("events", "--kind", "daemon.", "--since", new Date(Date.now() + 60_000).toISOString())).stdout, "");
  assert.match((await aer("events", "--kind", "daemon.", "--since", "1h")).stdout, /daemon\.started/);
  assert.equal((await aer("events", "--kind", "daemon.started", "--after", daemon.at(-1).sequence)).stdout, "");
});

test("events -f prints new events as they are recorded, until Ctrl-C, which exits 130 (128 + SIGINT)", async (t) => {
  const cell = uniqueName("cli-evf");
  const follow = spawnAer(t, aurae, ["events", "-f", "--from-now", "--cell", cell]);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell));
  await eventually("the allocation event", () => follow.stdout().includes("cell.allocated"));
  follow.child.kill("SIGINT");
  await eventually("aer to exit", () => follow.child.exitCode !== null);
  assert.equal(follow.child.exitCode, 130);
});

test("events exits 7 on a filter the daemon refuses and 2 on a sequence that does not parse", async () => {
  assert.equal((await aer("events", "--cell", "Not A Cell")).code, 7);
  assert.equal((await aer("events", "--after", "soon")).code, 2);
});
