// A cell's counters include its children's, the gone ones too: an executable's leaf cgroup is removed when it exits
// and a child cell when it is freed, and on cgroup v1 the kernel forgets their OOM kills and block I/O with them.
// Counters must never go backwards, not even across a daemon restart or a leaf removed while auraed was down.
import assert from "node:assert/strict";
import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { mib } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { directWriteArgv, directWriteDisk } from "../../helpers/direct-io.js";
import { sleep, waitForExit } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

// dd fills one 128 MiB buffer: the executable itself (not a child of it) grows past a 32 MiB limit.
const ALLOCATE_128_MIB = ["dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1"];
const WRITTEN_MIB = 8;
const WRITTEN_BYTES = BigInt(WRITTEN_MIB) * 1_048_576n;

async function allocate(t: TestContext, name: string, spec: object = {}): Promise<void> {
  await aurae.client.cells.allocate({ spec: { name, ...spec } });
  if (!name.includes("/")) t.after(() => aurae.client.cells.free({ name, stop: true }));
}

const stats = async (name: string) => (await aurae.client.cells.stats({ name })).stats!;

/** Fails unless the executable's leaf cgroup is gone in every hierarchy of its cell (what the kernel forgets with). */
async function assertLeafGone(cell: string, executable: string): Promise<void> {
  const { cell: found } = await aurae.client.cells.get({ name: cell });
  for (const dir of found!.status!.cgroupPaths) await assert.rejects(access(join(dir, `${executable}.exe`)), { code: "ENOENT" });
}

async function runOomKilled(cell: string, name: string): Promise<void> {
  await aurae.client.executables.start({ spec: { cellName: cell, name, argv: ALLOCATE_128_MIB } });
  await waitOomKilled(cell, name);
}

async function waitOomKilled(cell: string, name: string): Promise<void> {
  assert.equal((await waitForExit(aurae.client, cell, name)).status?.exit?.oomKilled, true);
  await assertLeafGone(cell, name);
}

async function runDirectWriter(cell: string, name: string): Promise<void> {
  const argv = directWriteArgv(join(aurae.dir, `${name}-${cell.replaceAll("/", ".")}`), WRITTEN_MIB);
  await aurae.client.executables.start({ spec: { cellName: cell, name, argv } });
  assert.equal((await waitForExit(aurae.client, cell, name)).status?.exit?.code, 0);
  await assertLeafGone(cell, name);
}

test("an OOM kill stays in the cell's stats once the killed executable's leaf is gone, and after a daemon restart", async (t) => {
  const cell = uniqueName("oomt");
  await allocate(t, cell, { memory: { maxBytes: mib(32) } });
  await runOomKilled(cell, "hog");
  assert.ok((await stats(cell)).oomKills >= 1n, "counted after the leaf is gone");
  await aurae.stop();
  await aurae.start();
  assert.ok((await stats(cell)).oomKills >= 1n, "counted after a daemon restart");
});

test("an OOM kill whose leaf the next daemon removes (the kill came while auraed was down) is counted", async (t) => {
  const cell = uniqueName("oomd");
  await allocate(t, cell, { memory: { maxBytes: mib(32) } });
  const go = join(aurae.dir, `${cell}.go`);
  const argv = ["sh", "-c", `while [ ! -e ${go} ]; do sleep 0.05; done; exec ${ALLOCATE_128_MIB.join(" ")}`];
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "hog", argv } });
  await aurae.kill9();
  await writeFile(go, "");
  // The shim records the exit and ends; the leaf stays until a daemon removes it.
  while (await access(`/proc/${executable!.status!.pid}`).then(() => true, () => false)) await sleep(20);
  await aurae.start();
  await waitOomKilled(cell, "hog");
  assert.ok((await stats(cell)).oomKills >= 1n, "counted once the next daemon removed the leaf");
});

test("bytes written with O_DIRECT stay in the cell's stats after the writer exits", async (t) => {
  const target = await directWriteDisk(aurae.dir);
  if ("skip" in target) return t.skip(target.skip);
  const cell = uniqueName("iot");
  await allocate(t, cell, { io: { devices: [{ device: target.device, writeBytesPerSecond: mib(1024 * 1024) }] } });
  await runDirectWriter(cell, "writer");
  const { ioWriteBytes } = await stats(cell);
  assert.ok(ioWriteBytes >= WRITTEN_BYTES, `ioWriteBytes ${ioWriteBytes}`);
});

test("a freed child cell's OOM kills and bytes written stay in its parent's stats", async (t) => {
  const target = await directWriteDisk(aurae.dir);
  const parent = uniqueName("kept");
  const io = "device" in target ? { io: { devices: [{ device: target.device, writeBytesPerSecond: mib(1024 * 1024) }] } } : {};
  await allocate(t, parent, io);
  const child = `${parent}/child`;
  await allocate(t, child, { memory: { maxBytes: mib(32) } });
  await runOomKilled(child, "hog");
  if ("device" in target) await runDirectWriter(child, "writer");
  else t.diagnostic(`bytes not checked: ${target.skip}`);
  await aurae.client.cells.free({ name: child });
  const kept = await stats(parent);
  assert.ok(kept.oomKills >= 1n, `oomKills ${kept.oomKills}`);
  if ("device" in target) assert.ok(kept.ioWriteBytes >= WRITTEN_BYTES, `ioWriteBytes ${kept.ioWriteBytes}`);
});
