import assert from "node:assert/strict";
import { test } from "node:test";
import { Authorizer, matchesIdentity, type AuthorizerDeps, type Caller } from "../../../../src/daemon/authz/authorizer.js";
import { methodAccess } from "../../../../src/daemon/authz/methods.js";
import { parsePolicy } from "../../../../src/daemon/authz/policy.js";
import type { HostFacts, ProcessRequest } from "../../../../src/daemon/authz/process-grant.js";
import { parseProcessLimits } from "../../../../src/runtime/process-limits.js";
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
  const authz = new Authorizer(policy, { revoked: (serial) => serial === "0abc" });
  assert.deepEqual(authz.denial(caller("spiffe://td/ops/gone")), { code: "denied", reason: "spiffe://td/ops/gone is on the deny list (spiffe://td/ops/gone)" });
  assert.equal(authz.denial(caller("spiffe://td/admin", "*", "ff"))?.code, "revoked");
  assert.equal(authz.denial(caller("spiffe://td/admin", "*", "0abc"))?.code, "revoked");
  assert.equal(authz.denial(caller("spiffe://td/admin")), undefined);
});

const START = "/aurae.executables.v1.ExecutableService/Start";
const RESTART = "/aurae.executables.v1.ExecutableService/Restart";
const entry = (name: string, id: number, members: string[] = []) => ({ name, id, gid: id, members });
const host: HostFacts = {
  users: {
    passwdPath: "/etc/passwd",
    groupPath: "/etc/group",
    users: [entry("root", 0), entry("alice", 1000), entry("app", 1001), entry("nobody", 65534)],
    groups: [entry("root", 0), entry("disk", 6), entry("docker", 999, ["app"]), entry("alice", 1000), entry("app", 1001), entry("nogroup", 65534)],
  },
  limits: parseProcessLimits("Max open files            1024                 20000                files\nMax realtime priority     0                    0\n"),
};
/** A Start request's decoded spec, as grpc-js hands it over. */
const spec = (cellName: string, fields: Record<string, unknown> = {}) => ({ spec: { cellName, user: "", group: "", supplementaryGroups: [], rlimits: [], ...fields } });
const confined = (rules: string, deps: AuthorizerDeps = {}) => new Authorizer(parsePolicy(rules, "p.toml", host.users), { host: () => host, ...deps });
const refusal = (d: ReturnType<typeof decide>) => (d.allowed ? "allowed" : d.reason);

test("a confined caller starts executables only as uids and gids its rules list, nobody by default, root only with run_as_root", () => {
  const authz = confined(
    `[[rule]]\nname = "a"\nidentities = ["spiffe://td/ops"]\nrole = "operator"\ncells = ["a"]\n` +
      `[[rule]]\nname = "b"\nidentities = ["spiffe://td/ops"]\nrole = "operator"\ncells = ["b"]\nuids = ["app"]\ngids = ["app", "docker"]\n` +
      `[[rule]]\nname = "r"\nidentities = ["spiffe://td/ops"]\nrole = "operator"\ncells = ["r"]\nrun_as_root = true\n` +
      `[[rule]]\nidentities = ["spiffe://td/everywhere"]\nrole = "operator"\n`,
  );
  const ops = caller("spiffe://td/ops");
  assert.deepEqual(decide(authz, ops, START, spec("a/x", { user: "nobody" })), { allowed: true, cell: "a/x", fillFilter: undefined });
  assert.equal(
    refusal(decide(authz, ops, START, spec("a/x", { user: "nobody", supplementaryGroups: ["disk"] }))),
    'spiffe://td/ops may not start this executable in cell "a/x": rule "a" does not allow running as group 6 (disk): it allows uids [65534] and gids [65534] (root needs run_as_root = true)',
  );
  assert.match(refusal(decide(authz, ops, START, spec("a", { user: "alice" }))), /running as uid 1000 \(alice\) \/ group 1000 \(alice\): it allows uids \[65534\]/);
  for (const root of [{}, { user: "root" }, { user: "0" }, { user: "nobody", group: "0" }, { user: "nobody", supplementaryGroups: ["root"] }, { user: "4242" }])
    assert.match(refusal(decide(authz, ops, START, spec("a", root))), /uid 0 \(root\)|group 0 \(root\)/, JSON.stringify(root));
  // app's own groups come from /etc/group (docker): the rule lists them, so app runs.
  assert.equal(decide(authz, ops, START, spec("b", { user: "app" })).allowed, true);
  assert.match(refusal(decide(authz, ops, START, spec("b", { user: "app", supplementaryGroups: ["disk"] }))), /rule "b" does not allow running as group 6 \(disk\)/);
  assert.equal(decide(authz, ops, START, spec("r")).allowed, true, "run_as_root reaches its cell");
  assert.equal(decide(authz, caller("spiffe://td/everywhere"), START, spec("a", { user: "alice", supplementaryGroups: ["disk"] })).allowed, true);
  assert.throws(() => decide(authz, ops, START, spec("a", { user: "ghost" })), { kind: "precondition", message: /spec\.user: no user "ghost"/ });
});

test("a confined caller may only lower rlimits: at or below auraed's own hard limit, an unset limit being unlimited", () => {
  const authz = confined(`[[rule]]\nname = "a"\nidentities = ["spiffe://td/ops"]\nrole = "operator"\ncells = ["a"]\n[[rule]]\nidentities = ["spiffe://td/root"]\nrole = "operator"\ncells = ["a"]\nrun_as_root = true\n`);
  const ops = caller("spiffe://td/ops");
  const start = (rlimits: unknown[]) => decide(authz, ops, START, spec("a", { user: "nobody", rlimits }));
  assert.equal(start([{ resource: "nofile", soft: 1000n, hard: 20000n }]).allowed, true);
  assert.equal(start([{ resource: "core", soft: 0n, hard: 0n }]).allowed, true, "a resource auraed does not limit");
  assert.match(refusal(start([{ resource: "nofile", soft: 10n, hard: 10n }, { resource: "nofile", soft: 1024n, hard: 20001n }])), /rule "a" allows spec\.rlimits\[1\] \(nofile\) only at or below auraed's own hard limit 20000, not hard 20001/);
  assert.match(refusal(start([{ resource: "nofile", soft: 1024n }])), /spec\.rlimits\[0\] \(nofile\) .* not hard unlimited/);
  assert.match(refusal(start([{ resource: "rtprio", soft: 99n, hard: 0n }])), /spec\.rlimits\[0\] \(rtprio\) .* limit 0, not soft 99/);
  assert.equal(decide(authz, caller("spiffe://td/root"), START, spec("a", { rlimits: [{ resource: "rtprio", soft: 99n, hard: 99n }] })).allowed, true);
});

test("Restart is decided on the stored spec: a confined caller cannot restart what it could not start", () => {
  const stored: Record<string, ProcessRequest> = { "a/root-job": { rlimits: [] }, "a/job": { user: "nobody", rlimits: [] } };
  const authz = confined(`[[rule]]\nname = "a"\nidentities = ["spiffe://td/ops"]\nrole = "operator"\ncells = ["a"]\n[[rule]]\nidentities = ["spiffe://td/admin"]\nrole = "admin"\n`, {
    storedProcess: (cell, name) => stored[`${cell}/${name}`],
  });
  const ops = caller("spiffe://td/ops");
  assert.match(refusal(decide(authz, ops, RESTART, { cellName: "a", name: "root-job" })), /may not restart executable "root-job" in cell "a", whose spec it could not start: rule "a" does not allow running as uid 0 \(root\)/);
  assert.equal(decide(authz, ops, RESTART, { cellName: "a", name: "job" }).allowed, true);
  assert.equal(decide(authz, ops, RESTART, { cellName: "a", name: "missing" }).allowed, true, "NOT_FOUND is the handler's answer");
  assert.equal(decide(authz, caller("spiffe://td/admin"), RESTART, { cellName: "a", name: "root-job" }).allowed, true);
});

test("a cell's own identity has only its implicit rules: its tree's executables, the cells below it, never its own limits", () => {
  const authz = new Authorizer(parsePolicy(`[[rule]]\nidentities = ["spiffe://td/*"]\nrole = "reader"\n`, "p.toml"), { implicitRules: cellIdentityRules("td"), host: () => host });
  const cell = caller("spiffe://td/cells/web");
  assert.equal(decide(authz, cell, START, spec("web/jobs", { user: "nobody" })).allowed, true);
  assert.match(refusal(decide(authz, cell, START, spec("web/jobs", { user: "app" }))), /does not allow running as uid 1001 \(app\) .*it allows uids \[65534\]/);
  assert.equal(decide(authz, cell, `${CELLS}Allocate`, { spec: { name: "web/jobs" } }).allowed, true);
  assert.equal(decide(authz, cell, `${CELLS}Get`, { name: "web" }).allowed, true);
  assert.equal(decide(authz, cell, `${CELLS}Update`, { spec: { name: "web" } }).allowed, false);
  assert.equal(decide(authz, cell, `${CELLS}Free`, { name: "web" }).allowed, false);
  assert.equal(decide(authz, cell, `${CELLS}Get`, { name: "db" }).allowed, false, "the file's td-wide reader rule does not apply");
  assert.deepEqual(decide(authz, cell, "/aurae.executables.v1.ExecutableService/List", { cellName: "" }), { allowed: true, cell: "web", fillFilter: "web" });
  assert.equal(decide(authz, caller("spiffe://td/cells/web/jobs"), `${CELLS}Get`, { name: "web" }).allowed, false);
  assert.equal(decide(authz, caller("spiffe://td/cells/web/jobs"), `${CELLS}Get`, { name: "web/jobs" }).allowed, true);
});
