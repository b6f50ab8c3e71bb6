// A node database that cannot be read stops auraed with a message that names the file and says how to recover;
// following it (move the file aside, start with --keep-leftovers) gives a serving auraed that leaves the workloads
// it no longer knows alone, until a normal start removes them.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { spawnAuraed } from "../../helpers/auraed-process.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, sleep } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";
import { hasCgroup, listAllCells, listAllExecutables } from "../../helpers/node-state.js";

const aurae = useDaemon();

test("a corrupt database stops auraed naming the file and the recovery; --keep-leftovers then serves", async (t) => {
  const cell = uniqueName("lost");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "sleeper", argv: ["sleep", "600"] } });
  const pid = executable!.status!.pid;
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, "SIGKILL"); // only the pid this test started
  });
  await aurae.stop();

  const db = join(aurae.stateDir, "aurae.db");
  await writeFile(db, Buffer.alloc(64 * 1024, "not a database, just garbage\n"));
  await rm(`${db}-wal`, { force: true });
  await rm(`${db}-shm`, { force: true });
  const refused = spawnAuraed(aurae);
  t.after(() => refused.stop());
  assert.notEqual(await refused.exited(10_000), 0, refused.output());
  assert.ok(refused.output().includes(`open database ${db}`), `names the file:\n${refused.output()}`);
  assert.ok(refused.output().includes("--keep-leftovers"), `says how to recover:\n${refused.output()}`);
  assert.equal(existsSync(aurae.socketPath), false, "it never served");
  assert.ok(isAlive(pid), "a refused start touches no workload");

  await rename(db, `${db}.corrupt`);
  const recovering = spawnAuraed(aurae, { args: ["--keep-leftovers"] });
  t.after(() => recovering.stop());
  const client = await aurae.connect();
  await waitHealthy(client, () => recovering.output());
  assert.deepEqual(await listAllCells(client), [], "no desired state");
  assert.deepEqual(await listAllExecutables(client), []);
  assert.ok(isAlive(pid), "--keep-leftovers leaves the workload it no longer knows running");
  assert.ok(await hasCgroup(aurae.cgroupRoot, `${cell}/sleeper.exe`), "and its cgroup");
  await recovering.stop();

  await aurae.start(); // a normal start: what no desired state claims goes
  assert.equal(isAlive(pid), false, "the leftover was removed");
  assert.equal(await hasCgroup(aurae.cgroupRoot, cell), false);
});

async function waitHealthy(client: Awaited<ReturnType<typeof aurae.connect>>, output: () => string): Promise<void> {
  for (let i = 0; ; i++) {
    const status = await client.health.check({}, { deadline: 1000 }).then((r) => r.status, () => undefined);
    if (status === 1) return;
    assert.ok(i < 200, `auraed --keep-leftovers did not serve:\n${output()}`);
    await sleep(50);
  }
}
