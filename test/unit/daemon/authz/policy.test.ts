import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPolicy, parsePolicy } from "../../../../src/daemon/authz/policy.js";

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
  assert.deepEqual(policy.rules[0], { name: "team-a", identities: ["spiffe://td/team-a/*"], role: "operator", methods: [], cells: ["team-a", "shared"], runAsRoot: false });
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
  assert.deepEqual(defaultPolicy("spiffe://td/admin").rules, [{ name: "admin", identities: ["spiffe://td/admin"], role: "admin", methods: [], cells: "*", runAsRoot: true }]);
});

test("cells below a cell only, and run_as_root said outright", () => {
  const [rule] = parsePolicy(`[[rule]]\nidentities = ["spiffe://td/a"]\nrole = "operator"\ncells = ["ci/*"]\nrun_as_root = true\n`, "p.toml").rules;
  assert.deepEqual([rule?.cells, rule?.runAsRoot], [["ci/*"], true]);
  assert.throws(() => parsePolicy(`[[rule]]\nidentities = ["spiffe://td/a"]\nrole = "admin"\nrun_as_root = "yes"\n`, "p.toml"), { message: /rule\[0\]\.run_as_root: must be true or false/ });
  assert.throws(() => parsePolicy(`[[rule]]\nidentities = ["spiffe://td/a"]\nrole = "admin"\ncells = ["../*"]\n`, "p.toml"), { message: /rule\[0\]\.cells\[0\]/ });
});
