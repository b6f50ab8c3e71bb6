// A cell's workloads get their own SPIFFE identity and a socket into auraed that reaches only their cell: a script
// running in the cell drives its own cell with it, and nothing else, whoever's certificate comes through that door.
import assert from "node:assert/strict";
import { access, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { test } from "node:test";
import { PermissionDeniedError } from "../../../src/client/index.js";
import { REPO, useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const aurae = useDaemon();

const denied = (pattern: RegExp) => (err: unknown) => err instanceof PermissionDeniedError && pattern.test(err.message);

async function logOf(cell: string, name: string): Promise<string> {
  await aurae.client.executables.wait({ cellName: cell, name });
  let text = "";
  for await (const res of aurae.client.observe.getLogs({ cellName: cell, executableName: name }))
    text += res.entries.map((e) => `${Buffer.from(e.line).toString()}\n`).join("");
  return text;
}

test("a cell with a workload identity: its SVID, its socket, and a script inside that can act on its cell only", async (t) => {
  const cell = uniqueName("ident");
  const other = uniqueName("other");
  const { cell: allocated } = await aurae.client.cells.allocate({ spec: { name: cell, workloadIdentity: true } });
  await aurae.client.cells.allocate({ spec: { name: `${cell}/jobs` } });
  await aurae.client.cells.allocate({ spec: { name: other } });
  t.after(async () => {
    await aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 });
    await aurae.client.cells.free({ name: other, stop: true, gracePeriodMs: 1000 });
  });
  const { spiffeId, socketPath } = allocated!.status!;
  assert.equal(spiffeId, `spiffe://${TRUST_DOMAIN}/cells/${cell}`);
  assert.ok((await stat(socketPath)).isSocket());
  assert.equal((await stat(join(dirname(socketPath), "svid.key"))).mode & 0o777, 0o600);

  // A script run by an executable of a nested cell finds the cell's socket and SVID through AURAE_CONFIG.
  const scripts = await mkdtemp(join(tmpdir(), "aurae-ident-"));
  t.after(() => rm(scripts, { recursive: true, force: true }));
  const script = join(scripts, "inside.ts");
  await writeFile(
    script,
    `import { connect } from "aurae";
const client = await connect();
await client.executables.start({ spec: { cellName: "${cell}/jobs", name: "child", argv: ["/bin/true"], user: "nobody" } });
const names = (await client.executables.list({})).executables.map((e) => e.spec?.cellName + "/" + e.spec?.name);
console.log("sees " + names.sort().join(" "));
try {
  await client.cells.get({ name: "${other}" });
  console.log("reached ${other}");
} catch (err) {
  console.log("refused: " + err.constructor.name);
}
client.close();
`,
  );
  await aurae.client.executables.start({ spec: { cellName: `${cell}/jobs`, name: "script", argv: [process.execPath, join(REPO, "dist/script/main.js"), "run", script] } });
  await aurae.client.executables.start({ spec: { cellName: other, name: "elsewhere", argv: ["/bin/true"] } });
  const out = await logOf(`${cell}/jobs`, "script");
  assert.match(out, new RegExp(`^sees ${cell}/jobs/child ${cell}/jobs/script$`, "m"));
  assert.match(out, /^refused: PermissionDeniedError$/m);
  const { executable } = await aurae.client.executables.get({ cellName: `${cell}/jobs`, name: "script" });
  assert.equal(executable?.status?.exit?.code, 0, out);

  // The SVID through the main socket is confined all the same; and the admin through the cell's socket too.
  const asCell = await aurae.connect({ config: join(dirname(socketPath), "config") });
  await assert.rejects(asCell.cells.free({ name: other }), denied(/may not act on cell/));
  await assert.rejects(async () => {
    for await (const _ of asCell.observe.getDaemonLogs({})) break;
  }, denied(/acts on the whole node/));
  const adminThroughDoor = await aurae.connect({ socket: socketPath });
  await assert.rejects(adminThroughDoor.cells.get({ name: other }), denied(/may not act on cell/));
  await adminThroughDoor.cells.get({ name: `${cell}/jobs` });
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { cellName: other, deniedOnly: true } });
  assert.ok(entries.some((e) => e.identity === `spiffe://${TRUST_DOMAIN}/admin` && e.peer.startsWith(`cell:${cell}:`)), JSON.stringify(entries, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)));

  // A restarted auraed serves the cell's socket again; freeing the cell closes it and removes the SVID.
  await aurae.kill9();
  await aurae.start();
  const again = await aurae.connect({ config: join(dirname(socketPath), "config") });
  await again.cells.get({ name: cell });
  await aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 });
  await assert.rejects(access(dirname(socketPath)));
  await aurae.client.cells.allocate({ spec: { name: cell } }); // for the after hook, and proof the name is free
  assert.match(await aurae.log(), /"spiffeId":"spiffe:\/\/aurae\.test\/cells\/[^"]+","msg":"workload identity issued"/);
});
