// aer audit: the audit log as a table and JSON lines (protobuf AuditEntry), filtered by identity, method, cell,
// refusals and time, and followed live.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { clientAs } from "../../helpers/identities.js";
import { uniqueName } from "../../helpers/names.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";
import { aerOf, eventually, spawnAer } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);
const ADMIN = `spiffe://${TRUST_DOMAIN}/admin`;

test("audit prints a cell's calls as a table (time, identity, method, cell, result, details) and as JSON lines", async () => {
  const cell = uniqueName("cli-audit");
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  assert.equal((await aer("cell", "free", cell)).code, 0);
  assert.notEqual((await aer("cell", "free", cell)).code, 0);
  const table = (await aer("audit", "--cell", cell)).stdout.trim().split("\n");
  assert.equal(table.length, 3, table.join("\n"));
  assert.match(table[0]!, new RegExp(`^\\S+Z  ${ADMIN}\\s+CellService/Allocate\\s+${cell}\\s+OK$`));
  assert.match(table[1]!, new RegExp(`CellService/Free\\s+${cell}\\s+OK$`));
  assert.match(table[2]!, new RegExp(`CellService/Free\\s+${cell}\\s+NOT_FOUND  .*${cell}`));
  const json = (await aer("-o", "json", "audit", "--cell", cell, "--method", "aurae.cells.v1.CellService/Free")).stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(json.length, 2);
  for (const key of ["sequence", "time", "identity", "method", "cellName", "code", "details", "peer"]) assert.ok(key in json[0], key); // fields may be added
  assert.deepEqual([json[0].identity, json[0].method, json[0].cellName, json[0].code, json[0].details], [ADMIN, "/aurae.cells.v1.CellService/Free", cell, "OK", ""]);
  assert.equal(json[1].code, "NOT_FOUND");
  assert.ok(BigInt(json[1].sequence) > BigInt(json[0].sequence));
});

test("audit --denied --identity shows a refused caller; --since and --until take ages and times", async () => {
  const nobody = `spiffe://${TRUST_DOMAIN}/cli-audit/${uniqueName("nobody")}`;
  const { client } = await clientAs(aurae, nobody);
  await assert.rejects(client.cells.allocate({ spec: { name: uniqueName("refused") } }));
  const denied = (await aer("audit", "--denied", "--identity", `spiffe://${TRUST_DOMAIN}/cli-audit/`)).stdout.trim().split("\n");
  assert.equal(denied.length, 1, denied.join("\n"));
  assert.match(denied[0]!, new RegExp(`${nobody}\\s+CellService/Allocate\\s+\\S+\\s+PERMISSION_DENIED  \\S`));
  assert.equal((await aer("audit", "--identity", nobody, "--since", "10m")).stdout.trim().split("\n").length, 1);
  assert.equal((await aer("audit", "--identity", nobody, "--until", "10m")).stdout, "");
  assert.equal((await aer("audit", "--identity", nobody, "--since", new Date(Date.now() + 60_000).toISOString())).stdout, "");
});

test("audit -f prints new entries as they are recorded, until Ctrl-C, which exits 130 (128 + SIGINT)", async (t) => {
  const cell = uniqueName("cli-auditf");
  const follow = spawnAer(t, aurae, ["audit", "-f", "--from-now", "--cell", cell]);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await aer("cell", "allocate", cell)).code, 0);
  t.after(() => aer("cell", "free", cell));
  await eventually("the allocation's entry", () => follow.stdout().includes("CellService/Allocate"));
  follow.child.kill("SIGINT");
  await eventually("aer to exit", () => follow.child.exitCode !== null);
  assert.equal(follow.child.exitCode, 130);
});

test("audit exits 7 on a filter the daemon refuses and 2 on a time that does not parse", async () => {
  assert.equal((await aer("audit", "--identity", "admin")).code, 7);
  assert.equal((await aer("audit", "--since", "yesterday-ish")).code, 2);
});
