import assert from "node:assert/strict";
import { test } from "node:test";
import { Authorizer, matchesIdentity, type Caller } from "../../../../src/daemon/authz/authorizer.js";
import { methodAccess } from "../../../../src/daemon/authz/methods.js";
import { parsePolicy } from "../../../../src/daemon/authz/policy.js";
import { cellIdentityRules } from "../../../../src/daemon/authz/cell-identity.js";
import { parseSpiffeId } from "../../../../src/pki/spiffe.js";

const policy = parsePolicy(
  `
[[rule]]
identities = ["spiffe://td/admin"]
role = "admin"
[[rule]]
identities = ["spiffe://td/readers/*"]
role = "reader"
[[rule]]
identities = ["spiffe://td/ops/*"]
role = "operator"
cells = ["a", "b/c"]
[[rule]]
identities = ["spiffe://td/metrics"]
methods = ["aurae.cells.v1.CellService/Stats"]
cells = ["a"]
[deny]
identities = ["spiffe://td/ops/gone"]
serials = ["ff"]
`,
  "policy.toml",
);

const caller = (id: string, doorScope: Caller["doorScope"] = "*", serial = "01"): Caller => ({ id: parseSpiffeId(id), serial, doorScope });
const decide = (authz: Authorizer, who: Caller, method: string, request: unknown = {}) => authz.decide(who, method, methodAccess(method), request);
const CELLS = "/aurae.cells.v1.CellService/";

test("identity patterns: exact, or everything below a path", () => {
  assert.ok(matchesIdentity("spiffe://td/a", "spiffe://td/a"));
  assert.ok(matchesIdentity("spiffe://td/a/*", "spiffe://td/a/b/c"));
  assert.ok(!matchesIdentity("spiffe://td/a/*", "spiffe://td/a"));
  assert.ok(!matchesIdentity("spiffe://td/a/*", "spiffe://td/ab"));
});

test("roles grant kinds of access; nothing is granted by default", () => {
  const authz = new Authorizer(policy);
  assert.equal(decide(authz, caller("spiffe://td/readers/x"), `${CELLS}Get`, { name: "web" }).allowed, true);
  assert.match(JSON.stringify(decide(authz, caller("spiffe://td/readers/x"), `${CELLS}Free`, { name: "web" })), /no rule grants aurae\.cells\.v1\.CellService\/Free/);
  assert.equal(decide(authz, caller("spiffe://td/nobody"), `${CELLS}Get`, { name: "web" }).allowed, false);
  assert.equal(decide(authz, caller("spiffe://td/nobody"), "/grpc.health.v1.Health/Check").allowed, true);
  assert.equal(decide(authz, caller("spiffe://td/readers/x"), "/aurae.audit.v1.AuditService/List").allowed, false);
  assert.equal(decide(authz, caller("spiffe://td/admin"), "/aurae.audit.v1.AuditService/List").allowed, true);
  assert.equal(decide(authz, caller("spiffe://td/admin"), "/some.new.v1.Service/Method").allowed, true);
  assert.equal(decide(authz, caller("spiffe://td/readers/x"), "/some.new.v1.Service/Method").allowed, false); // unclassified: admin only
});

test("Restart is an operator's, within its cells, like Stop; Stats and ListProcesses a reader's", () => {
  const authz = new Authorizer(policy);
  const EXECUTABLES = "/aurae.executables.v1.ExecutableService/";
  const [reader, ops] = [caller("spiffe://td/readers/x"), caller("spiffe://td/ops/deploy")];
  assert.equal(decide(authz, reader, `${EXECUTABLES}Restart`, { cellName: "a", name: "x" }).allowed, false);
  assert.equal(decide(authz, ops, `${EXECUTABLES}Restart`, { cellName: "a/web", name: "x" }).allowed, true);
  assert.equal(decide(authz, ops, `${EXECUTABLES}Restart`, { cellName: "b", name: "x" }).allowed, false);
  assert.equal(decide(authz, reader, `${EXECUTABLES}Stats`, { cellName: "web", name: "x" }).allowed, true);
  assert.equal(decide(authz, ops, `${EXECUTABLES}Stats`, { cellName: "b", name: "x" }).allowed, false);
  assert.equal(decide(authz, reader, "/aurae.observe.v1.ObserveService/ListProcesses", { cellName: "web" }).allowed, true);
  assert.equal(decide(authz, ops, "/aurae.observe.v1.ObserveService/ListProcesses", { cellName: "b" }).allowed, false);
});

test("a caller confined to cells reaches them and what is below, nothing else", () => {
  const authz = new Authorizer(policy);
  const ops = caller("spiffe://td/ops/deploy");
  assert.equal(decide(authz, ops, `${CELLS}Free`, { name: "a" }).allowed, true);
  assert.equal(decide(authz, ops, `${CELLS}Free`, { name: "a/x" }).allowed, true);
  assert.equal(decide(authz, ops, `${CELLS}Allocate`, { spec: { name: "b/c/d" } }).allowed, true);
  assert.match(JSON.stringify(decide(authz, ops, `${CELLS}Free`, { name: "ab" })), /may not act on cell \\"ab\\"/);
  assert.equal(decide(authz, ops, `${CELLS}Free`, { name: "b" }).allowed, false);
  assert.throws(() => decide(authz, ops, `${CELLS}Free`, { name: "a/../b" }), { kind: "invalid", field: "name" });
  assert.match(JSON.stringify(decide(authz, ops, "/aurae.observe.v1.ObserveService/GetDaemonLogs")), /acts on the whole node/);
  // Lists: a filter inside is kept, none is refused when two trees are reachable.
  assert.deepEqual(decide(authz, ops, "/aurae.executables.v1.ExecutableService/List", { cellName: "b/c" }), { allowed: true, cell: "b/c", fillFilter: undefined });
  assert.match(JSON.stringify(decide(authz, ops, "/aurae.executables.v1.ExecutableService/List", { cellName: "" })), /set cell_name to one of them/);
  // One tree: filled in.
  const metrics = caller("spiffe://td/metrics");
  assert.deepEqual(decide(authz, metrics, `${CELLS}Stats`, { name: "a/web" }), { allowed: true, cell: "a/web", fillFilter: undefined });
  assert.equal(decide(authz, metrics, `${CELLS}Get`, { name: "a/web" }).allowed, false);
  const reader = caller("spiffe://td/readers/x", ["a"]);
  assert.deepEqual(decide(authz, reader, "/aurae.events.v1.EventService/Watch", { cellName: "" }), { allowed: true, cell: "a", fillFilter: "a" });
});

test("a door narrows what its callers reach, whatever their rules say", () => {
  const authz = new Authorizer(policy);
  const admin = caller("spiffe://td/admin", ["web"]);
  assert.equal(decide(authz, admin, `${CELLS}Free`, { name: "web/api" }).allowed, true);
  assert.equal(decide(authz, admin, `${CELLS}Free`, { name: "db" }).allowed, false);
  assert.equal(decide(authz, admin, "/aurae.audit.v1.AuditService/List").allowed, false);
  const ops = caller("spiffe://td/ops/deploy", ["z"]);
  assert.match(JSON.stringify(decide(authz, ops, `${CELLS}Get`, { name: "z" })), /reaches no cell through this socket/);
});

test("the deny list and revocations refuse a caller outright", () => {
  const authz = new Authorizer(policy, (serial) => serial === "0abc");
  assert.deepEqual(authz.denial(caller("spiffe://td/ops/gone")), { code: "denied", reason: "spiffe://td/ops/gone is on the deny list (spiffe://td/ops/gone)" });
  assert.equal(authz.denial(caller("spiffe://td/admin", "*", "ff"))?.code, "revoked");
  assert.equal(authz.denial(caller("spiffe://td/admin", "*", "0abc"))?.code, "revoked");
  assert.equal(authz.denial(caller("spiffe://td/admin")), undefined);
});

test("a confined caller may start executables only as a non-root user, unless its rule says run_as_root", () => {
  const start = "/aurae.executables.v1.ExecutableService/Start";
  const authz = new Authorizer(
    parsePolicy(
      `[[rule]]\nidentities = ["spiffe://td/ops"]\nrole = "operator"\ncells = ["a"]\n[[rule]]\nidentities = ["spiffe://td/ops"]\nrole = "operator"\ncells = ["b"]\nrun_as_root = true\n[[rule]]\nidentities = ["spiffe://td/root"]\nrole = "operator"\n`,
      "p.toml",
    ),
  );
  assert.deepEqual(decide(authz, caller("spiffe://td/ops"), start, { spec: { cellName: "a/x" } }), { allowed: true, cell: "a/x", fillFilter: undefined, nonRootOnly: true });
  assert.deepEqual(decide(authz, caller("spiffe://td/ops"), start, { spec: { cellName: "b" } }), { allowed: true, cell: "b", fillFilter: undefined });
  assert.deepEqual(decide(authz, caller("spiffe://td/root"), start, { spec: { cellName: "a" } }), { allowed: true, cell: "a", fillFilter: undefined });
});

test("a cell's own identity has only its implicit rules: its tree's executables, the cells below it, never its own limits", () => {
  const authz = new Authorizer(parsePolicy(`[[rule]]\nidentities = ["spiffe://td/*"]\nrole = "reader"\n`, "p.toml"), undefined, cellIdentityRules("td"));
  const cell = caller("spiffe://td/cells/web");
  assert.equal(decide(authz, cell, "/aurae.executables.v1.ExecutableService/Start", { spec: { cellName: "web/jobs" } }).allowed, true);
  assert.equal(decide(authz, cell, `${CELLS}Allocate`, { spec: { name: "web/jobs" } }).allowed, true);
  assert.equal(decide(authz, cell, `${CELLS}Get`, { name: "web" }).allowed, true);
  assert.equal(decide(authz, cell, `${CELLS}Update`, { spec: { name: "web" } }).allowed, false);
  assert.equal(decide(authz, cell, `${CELLS}Free`, { name: "web" }).allowed, false);
  assert.equal(decide(authz, cell, `${CELLS}Get`, { name: "db" }).allowed, false, "the file's td-wide reader rule does not apply");
  assert.deepEqual(decide(authz, cell, "/aurae.executables.v1.ExecutableService/List", { cellName: "" }), { allowed: true, cell: "web", fillFilter: "web" });
  assert.equal(decide(authz, caller("spiffe://td/cells/web/jobs"), `${CELLS}Get`, { name: "web" }).allowed, false);
  assert.equal(decide(authz, caller("spiffe://td/cells/web/jobs"), `${CELLS}Get`, { name: "web/jobs" }).allowed, true);
});
