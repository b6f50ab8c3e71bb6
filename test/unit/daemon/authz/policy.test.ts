import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPolicy, parsePolicy } from "../../../../src/daemon/authz/policy.js";
import type { UserDatabase } from "../../../../src/runtime/users.js";

const entry = (name: string, id: number) => ({ name, id, gid: id, members: [] });
const users: UserDatabase = {
  passwdPath: "/etc/passwd",
  groupPath: "/etc/group",
  users: [entry("root", 0), entry("app", 1000), entry("nobody", 65534)],
  groups: [entry("root", 0), entry("disk", 6), entry("app", 1000)],
};
const rule = (lines: string) => parsePolicy(`[[rule]]\nidentities = ["spiffe://td/a"]\nrole = "operator"\ncells = ["ci"]\n${lines}`, "p.toml", users).rules[0];

test("parses rules and the deny list, normalising cells and serials", () => {
  const policy = parsePolicy(
    `
[[rule]]
name = "team-a"
identities = ["spiffe://td/team-a/*"]
role = "operator"
cells = ["team-a/", "shared"]

[[rule]]
identities = ["spiffe://td/metrics"]
methods = ["aurae.cells.v1.CellService/Stats", "aurae.events.v1.EventService/*"]

[deny]
identities = ["spiffe://td/old/*"]
serials = ["0A:BC:01"]
`,
    "/etc/aurae/policy.toml",
  );
  assert.deepEqual(policy.rules[0], { name: "team-a", identities: ["spiffe://td/team-a/*"], role: "operator", methods: [], cells: ["team-a", "shared"], runAsRoot: false, uids: [[65534, 65534]], gids: [[65534, 65534]] });
  assert.deepEqual(policy.rules[1]?.cells, "*");
  assert.equal(policy.rules[1]?.runAsRoot, true, "a rule over every cell may run root by default");
  assert.equal(policy.rules[1]?.name, "/etc/aurae/policy.toml: rule[1]");
  assert.deepEqual(policy.deny, { identities: ["spiffe://td/old/*"], serials: ["abc01"] });
});

test("every mistake is refused, naming the file and the field", () => {
  const cases: [string, RegExp][] = [
    ["not = [toml", /p\.toml: is not valid TOML/],
    ["[rules]\n", /p\.toml: rules: unknown section/],
    ["[[rule]]\nidentities = []\nrole = \"admin\"\n", /rule\[0\]\.identities: must list at least one/],
    ["[[rule]]\nidentities = [\"spiffe://td/a\"]\n", /rule\[0\]: grants nothing/],
    ["[[rule]]\nidentities = [\"spiffe://td/a\"]\nrole = \"root\"\n", /rule\[0\]\.role: must be one of reader, operator, admin/],
    ["[[rule]]\nidentities = [\"https://td/a\"]\nrole = \"admin\"\n", /rule\[0\]\.identities\[0\]: scheme must be "spiffe"/],
    ["[[rule]]\nidentities = [\"spiffe://td/a\"]\nmethods = [\"CellService.Get\"]\n", /rule\[0\]\.methods\[0\]: "CellService\.Get" is not/],
    ["[[rule]]\nidentities = [\"spiffe://td/a\"]\nrole = \"admin\"\ncells = [\"../x\"]\n", /rule\[0\]\.cells\[0\]/],
    ["[[rule]]\nidentities = [\"spiffe://td/a\"]\nrole = \"admin\"\ncels = []\n", /rule\[0\]\.cels: unknown key/],
    ["[deny]\nserials = [\"xyz\"]\n", /deny\.serials\[0\]: "xyz" is not a certificate serial/],
  ];
  for (const [text, message] of cases) assert.throws(() => parsePolicy(text, "p.toml"), { kind: "invalid", message }, text);
});

test("the default policy lets the admin alone do everything", () => {
  assert.deepEqual(defaultPolicy("spiffe://td/admin").rules, [{ name: "admin", identities: ["spiffe://td/admin"], role: "admin", methods: [], cells: "*", runAsRoot: true, uids: "any", gids: "any" }]);
});

test("cells below a cell only, and run_as_root said outright", () => {
  const [rule] = parsePolicy(`[[rule]]\nidentities = ["spiffe://td/a"]\nrole = "operator"\ncells = ["ci/*"]\nrun_as_root = true\n`, "p.toml").rules;
  assert.deepEqual([rule?.cells, rule?.runAsRoot], [["ci/*"], true]);
  assert.throws(() => parsePolicy(`[[rule]]\nidentities = ["spiffe://td/a"]\nrole = "admin"\nrun_as_root = "yes"\n`, "p.toml"), { message: /rule\[0\]\.run_as_root: must be true or false/ });
  assert.throws(() => parsePolicy(`[[rule]]\nidentities = ["spiffe://td/a"]\nrole = "admin"\ncells = ["../*"]\n`, "p.toml"), { message: /rule\[0\]\.cells\[0\]/ });
});

test("uids and gids list ids, names resolved at load and ranges; a confined rule without them allows nobody alone", () => {
  assert.deepEqual(rule(`uids = ["app", 2000, "3000-3999", "4000"]\ngids = ["disk"]\n`), {
    ...rule(""), uids: [[1000, 1000], [2000, 2000], [3000, 3999], [4000, 4000]], gids: [[6, 6]],
  });
  assert.deepEqual([rule("")?.uids, rule("")?.gids], [[[65534, 65534]], [[65534, 65534]]]);
  assert.deepEqual(rule(`uids = ["*"]\n`)?.uids, "any");
  const everyCell = parsePolicy(`[[rule]]\nidentities = ["spiffe://td/a"]\nrole = "operator"\nrun_as_root = false\n`, "p.toml", users).rules[0];
  assert.deepEqual([everyCell?.uids, everyCell?.gids, everyCell?.runAsRoot], ["any", "any", false], "a rule over every cell keeps any non-root id");
});

test("root is never granted by a list, and an id that is no id or a name the host lacks is refused by field", () => {
  const cases: [string, RegExp][] = [
    ["uids = [0]", /rule\[0\]\.uids\[0\]: includes 0 \(root\): root is allowed by run_as_root = true/],
    ["gids = [\"0-100\"]", /rule\[0\]\.gids\[0\]: includes 0 \(root\)/],
    ["uids = [\"root\"]", /rule\[0\]\.uids\[0\]: includes 0/],
    ["gids = [\"shadow\"]", /rule\[0\]\.gids\[0\]: no "shadow" in \/etc\/group/],
    ["uids = [\"ghost\"]", /rule\[0\]\.uids\[0\]: no "ghost" in \/etc\/passwd/],
    ["uids = [\"20-10\"]", /rule\[0\]\.uids\[0\]: "20-10" is an empty range/],
    ["uids = [4294967295]", /rule\[0\]\.uids\[0\]: 4294967295 is not an id/],
    ["uids = [-1]", /rule\[0\]\.uids\[0\]: -1 is not an id/],
    ["uids = [true]", /rule\[0\]\.uids\[0\]: must be an id, a name or a "from-to" range/],
    ["uids = \"app\"", /rule\[0\]\.uids: must be an array/],
  ];
  for (const [line, message] of cases) assert.throws(() => rule(`${line}\n`), { kind: "invalid", message }, line);
});
