// Policy decides every call: default deny for all but the admin, read-only roles, callers confined to cell trees,
// a deny list that acts on open connections, and every refusal in the audit log with its identity.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { PermissionDeniedError, UnauthenticatedError } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { clientAs, usePolicy, writeWhole } from "../../helpers/identities.js";
import { uniqueName } from "../../helpers/names.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

// One test installs a policy with a mistake on purpose: the daemon refuses it at error level.
const aurae = useDaemon({ expectErrors: [/"msg":"reload failed"/] });
const td = TRUST_DOMAIN;

const denied = (pattern: RegExp) => (err: unknown) => err instanceof PermissionDeniedError && pattern.test(err.message);

/** The refusals the audit log holds for one identity. */
async function auditedDenials(identity: string) {
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { identity, deniedOnly: true } });
  return entries;
}

test("without a policy file only the admin may call: anyone else is denied, naming the missing grant", async () => {
  const { client } = await clientAs(aurae, `spiffe://${td}/nobody`);
  assert.equal((await client.health.check({})).status, 1); // health is open to every authenticated caller
  await assert.rejects(client.cells.list({}), denied(/no rule grants aurae\.cells\.v1\.CellService\/List to spiffe:\/\/aurae\.test\/nobody/));
  const [entry] = await auditedDenials(`spiffe://${td}/nobody`);
  assert.equal(entry?.method, "/aurae.cells.v1.CellService/List");
  assert.equal(entry?.code, "PERMISSION_DENIED");
});

test("a reader lists and reads logs but cannot start or stop; a team-a operator cannot touch team-b", async (t) => {
  const teamA = uniqueName("team-a");
  const teamB = uniqueName("team-b");
  await usePolicy(
    aurae,
    `
[[rule]]
name = "admin"
identities = ["spiffe://${td}/admin"]
role = "admin"

[[rule]]
name = "readers"
identities = ["spiffe://${td}/readers/*"]
role = "reader"

[[rule]]
name = "team-a"
identities = ["spiffe://${td}/team-a/*"]
role = "operator"
cells = ["${teamA}/"]
`,
  );
  await aurae.client.cells.allocate({ spec: { name: teamA } });
  await aurae.client.cells.allocate({ spec: { name: teamB } });
  await aurae.client.cells.allocate({ spec: { name: `${teamB}/x` } });
  t.after(async () => {
    await aurae.client.cells.free({ name: teamA, stop: true, gracePeriodMs: 1000 });
    await aurae.client.cells.free({ name: teamB, stop: true, gracePeriodMs: 1000 });
  });
  await aurae.client.executables.start({ spec: { cellName: `${teamB}/x`, name: "say", argv: ["/bin/echo", "hello from b"] } });
  await aurae.client.executables.wait({ cellName: `${teamB}/x`, name: "say" });

  const reader = (await clientAs(aurae, `spiffe://${td}/readers/ci`)).client;
  const names = (await reader.cells.list({ pageSize: 1000 })).cells.map((c) => c.spec?.name);
  assert.ok(names.includes(teamA) && names.includes(`${teamB}/x`));
  const lines: string[] = [];
  for await (const res of reader.observe.getLogs({ cellName: `${teamB}/x`, executableName: "say" }))
    lines.push(...res.entries.map((e) => Buffer.from(e.line).toString()));
  assert.deepEqual(lines, ["hello from b"]);
  await assert.rejects(
    reader.executables.start({ spec: { cellName: `${teamB}/x`, name: "nope", argv: ["/bin/true"] } }),
    denied(/no rule grants aurae\.executables\.v1\.ExecutableService\/Start/),
  );
  await assert.rejects(reader.executables.stop({ cellName: `${teamB}/x`, name: "say" }), denied(/ExecutableService\/Stop/));
  await assert.rejects(reader.cells.free({ name: teamB }), denied(/CellService\/Free/));

  const operator = (await clientAs(aurae, `spiffe://${td}/team-a/deployer`)).client;
  await operator.cells.allocate({ spec: { name: `${teamA}/web` } });
  await operator.executables.start({ spec: { cellName: `${teamA}/web`, name: "ok", argv: ["/bin/true"], user: "nobody" } });
  await assert.rejects(operator.cells.free({ name: `${teamB}/x`, stop: true }), denied(new RegExp(`may not act on cell "${teamB}/x"`)));
  await assert.rejects(
    operator.executables.start({ spec: { cellName: `${teamB}/x`, name: "sneak", argv: ["/bin/true"] } }),
    denied(/may not act on cell/),
  );
  await assert.rejects(operator.cells.allocate({ spec: { name: `${teamA}/../${teamB}/y` } }), (err: unknown) => (err as Error).message.includes(".."));
  // Lists by a confined caller show its own tree only.
  const seen = (await operator.cells.list({ pageSize: 1000 })).cells.map((c) => c.spec?.name);
  assert.deepEqual(seen, [teamA, `${teamA}/web`]);
  const executables = (await operator.executables.list({ pageSize: 1000 })).executables.map((e) => e.spec?.cellName);
  assert.deepEqual(executables, [`${teamA}/web`]);
  await assert.rejects(async () => {
    for await (const _ of operator.observe.getDaemonLogs({})) break;
  }, denied(/acts on the whole node/));

  const readerDenials = await auditedDenials(`spiffe://${td}/readers/ci`);
  assert.deepEqual(
    readerDenials.map((e) => e.method),
    ["/aurae.executables.v1.ExecutableService/Start", "/aurae.executables.v1.ExecutableService/Stop", "/aurae.cells.v1.CellService/Free"],
  );
  const operatorDenials = await auditedDenials(`spiffe://${td}/team-a/deployer`);
  assert.ok(operatorDenials.some((e) => e.method === "/aurae.cells.v1.CellService/Free" && e.cellName === `${teamB}/x`));
  // Allowed mutations are audited too, with the caller.
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { identity: `spiffe://${td}/team-a/deployer`, method: "/aurae.cells.v1.CellService/Allocate" } });
  assert.ok(entries.some((e) => e.code === "OK" && e.cellName === `${teamA}/web`));
});

test("the deny list refuses an identity and a certificate serial at once, on connections already open", async () => {
  const { client: blocked } = await clientAs(aurae, `spiffe://${td}/readers/blocked`);
  const { client: revoked, certificate } = await clientAs(aurae, `spiffe://${td}/readers/laptop`);
  await blocked.cells.list({});
  await revoked.cells.list({});
  await usePolicy(
    aurae,
    `
[[rule]]
identities = ["spiffe://${td}/admin"]
role = "admin"

[[rule]]
identities = ["spiffe://${td}/readers/*"]
role = "reader"

[deny]
identities = ["spiffe://${td}/readers/blocked"]
serials = ["${certificate.serial.toUpperCase().match(/../g)!.join(":")}"]
`,
  );
  await assert.rejects(blocked.cells.list({}), denied(/deny list/));
  await assert.rejects(revoked.cells.list({}), (err: unknown) => err instanceof UnauthenticatedError && /revoked/.test(err.message));
  assert.equal((await auditedDenials(`spiffe://${td}/readers/blocked`)).length, 1);
  // The admin is untouched.
  await aurae.client.cells.list({});
});

test("a policy file with a mistake is refused by name and the policy in force stays", async () => {
  const { client } = await clientAs(aurae, `spiffe://${td}/readers/after-typo`);
  await client.cells.list({}); // allowed by the previous test's policy
  await usePolicy(aurae, `[[rule]]\nidentities = ["spiffe://${td}/admin"]\nrole = "superuser"\n`).catch(() => undefined);
  assert.match(await aurae.log(), /rule\[0\]\.role: must be one of reader, operator, admin/);
  await client.cells.list({});
});

test("an edited policy file is in force without SIGHUP: the daemon reloads it on change", async () => {
  const id = `spiffe://${td}/on-change`;
  const { client } = await clientAs(aurae, id);
  await assert.rejects(client.cells.list({}), denied(/no rule grants/));
  // Written as an editor or a deployment tool writes it, and no signal: only the watch on its directory can tell.
  await writeWhole(join(aurae.pki.configDir, "policy.toml"), `[[rule]]\nidentities = ["spiffe://${td}/admin"]\nrole = "admin"\n[[rule]]\nidentities = ["${id}"]\nrole = "reader"\n`);
  const deadline = Date.now() + 10_000;
  while (!(await client.cells.list({}).then(() => true, () => false))) {
    assert.ok(Date.now() < deadline, "the new rule is not in force 10 s after the policy file changed");
    await new Promise((r) => setTimeout(r, 50));
  }
});
