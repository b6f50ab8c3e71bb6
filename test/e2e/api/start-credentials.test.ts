// A caller confined to cells starts processes only with the user and group ids its rule allows (nobody by default)
// and with rlimits no higher than auraed's own, and cannot Restart an executable it could not have started.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { inspect } from "node:util";
import { PermissionDeniedError, type AuraeClient } from "../../../src/client/index.js";
import { ExecutableState } from "../../../src/gen/aurae/executables/v1/executables.js";
import { readProcessLimits } from "../../../src/runtime/process-limits.js";
import { useDaemon } from "../../helpers/daemon.js";
import { clientAs, usePolicy } from "../../helpers/identities.js";
import { uniqueName } from "../../helpers/names.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const aurae = useDaemon();
const td = TRUST_DOMAIN;
const ADMIN_POLICY = `[[rule]]\nidentities = ["spiffe://${td}/admin"]\nrole = "admin"\n`;

const denied = (pattern: RegExp) => (err: unknown) => err instanceof PermissionDeniedError && pattern.test(err.message);

/** Runs a shell line to its end as the client and returns its output lines. */
async function output(client: AuraeClient, cellName: string, name: string, line: string, fields: object): Promise<string[]> {
  await client.executables.start({ spec: { cellName, name, argv: ["/bin/sh", "-c", line], ...fields } });
  const { executable } = await client.executables.wait({ cellName, name });
  assert.equal(executable?.status?.exit?.code, 0, `${name} exited ${inspect(executable?.status?.exit)}`);
  const lines: string[] = [];
  for await (const res of client.observe.getLogs({ cellName, executableName: name })) lines.push(...res.entries.map((e) => Buffer.from(e.line).toString()));
  return lines;
}

/** A new cell and an operator confined to it by a rule named "team" (its extra lines appended), the policy undone after. */
async function confinedOperator(t: TestContext, prefix: string, ruleLines = ""): Promise<{ team: string; operatorId: string; rule: string; operator: AuraeClient }> {
  const team = uniqueName(prefix);
  const operatorId = `spiffe://${td}/${team}/deployer`;
  const rule = `${ADMIN_POLICY}[[rule]]\nname = "team"\nidentities = ["${operatorId}"]\nrole = "operator"\ncells = ["${team}"]\n`;
  await usePolicy(aurae, rule + ruleLines);
  t.after(() => usePolicy(aurae, ADMIN_POLICY));
  await aurae.client.cells.allocate({ spec: { name: team } });
  t.after(() => aurae.client.cells.free({ name: team, stop: true, gracePeriodMs: 1000 }));
  return { team, operatorId, rule, operator: (await clientAs(aurae, operatorId)).client };
}

test("a confined operator runs as nobody alone by default, never with group disk or as another user, and as the ids its rule lists", async (t) => {
  const { team, operatorId, rule, operator } = await confinedOperator(t, "creds");
  const start = (name: string, fields: object) => operator.executables.start({ spec: { cellName: team, name, argv: ["/bin/true"], ...fields } });

  await assert.rejects(
    start("disk", { user: "nobody", supplementaryGroups: ["disk"] }),
    denied(/may not start this executable in cell ".*": rule "team" does not allow running as group \d+ \(disk\): it allows uids \[65534\] and gids \[65534\]/),
  );
  await assert.rejects(start("other", { user: "daemon" }), denied(/does not allow running as uid 1 \(daemon\)/));
  await assert.rejects(start("root", {}), denied(/uid 0 \(root\)/));
  assert.deepEqual(await output(operator, team, "nobody", "id -u; id -G", { user: "nobody" }), ["65534", "65534"]);

  await usePolicy(aurae, `${rule}uids = ["nobody", 4242]\ngids = ["nogroup", "4242-4243"]\n`);
  assert.deepEqual(await output(operator, team, "listed", "id -u; id -g; id -G", { user: "4242", group: "4242", supplementaryGroups: ["4243"] }), ["4242", "4242", "4242 4243"]);
  await assert.rejects(start("disk-again", { user: "4242", group: "4242", supplementaryGroups: ["disk"] }), denied(/group \d+ \(disk\): it allows uids \[65534, 4242\] and gids \[65534, 4242-4243\]/));

  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { identity: operatorId, deniedOnly: true } });
  assert.deepEqual(entries.map((e) => [e.method, e.code, e.cellName]), Array(4).fill(["/aurae.executables.v1.ExecutableService/Start", "PERMISSION_DENIED", team]));
});

test("a confined operator may lower rlimits but not raise nofile past auraed's own hard limit", async (t) => {
  const { team, operator } = await confinedOperator(t, "rlim");
  const hard = readProcessLimits(`/proc/${aurae.pid}/limits`).get("nofile")?.hard;
  if (hard === undefined) return t.skip("auraed's nofile hard limit is unlimited here");

  await assert.rejects(
    operator.executables.start({ spec: { cellName: team, name: "raise", argv: ["/bin/true"], user: "nobody", rlimits: [{ resource: "nofile", soft: 64n, hard: hard + 1n }] } }),
    denied(new RegExp(`spec\\.rlimits\\[0\\] \\(nofile\\) only at or below auraed's own hard limit ${hard}, not hard ${hard + 1n}`)),
  );
  const lowered = hard < 512n ? hard : 512n;
  assert.deepEqual(await output(operator, team, "lower", "ulimit -Sn; ulimit -Hn", { user: "nobody", rlimits: [{ resource: "nofile", soft: lowered, hard: lowered }] }), [String(lowered), String(lowered)]);
});

test("a confined operator cannot Restart an admin's root executable, and restarts its own", async (t) => {
  const { team, operator } = await confinedOperator(t, "rest");
  const { executable: rooted } = await aurae.client.executables.start({ spec: { cellName: team, name: "rooted", argv: ["/bin/sleep", "600"] } });
  await operator.executables.start({ spec: { cellName: team, name: "mine", argv: ["/bin/sleep", "600"], user: "nobody" } });

  await assert.rejects(
    operator.executables.restart({ cellName: team, name: "rooted", gracePeriodMs: 1000 }),
    denied(/may not restart executable "rooted" in cell ".*", whose spec it could not start: .*uid 0 \(root\)/),
  );
  const { executable: after } = await aurae.client.executables.get({ cellName: team, name: "rooted" });
  assert.deepEqual([after?.status?.state, after?.status?.pid, after?.status?.restartCount], [ExecutableState.EXECUTABLE_STATE_RUNNING, rooted?.status?.pid, 0]);
  const { executable: mine } = await operator.executables.restart({ cellName: team, name: "mine", gracePeriodMs: 1000 });
  assert.equal(mine?.status?.restartCount, 1);
});
