// 2,000 start/stop cycles leave nothing behind: no zombie, no daemon fd, no cgroup directory, no shim.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { test } from "node:test";
import { cgroupRoots, descendants } from "../../helpers/cgroups.js";
import { useDaemon } from "../../helpers/daemon.js";
import { sleep } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();
const CYCLES = 2000;

interface Census {
  zombies: number;
  daemonFds: number;
  cgroupDirs: number;
  shims: number;
}

async function census(): Promise<Census> {
  let zombies = 0;
  let shims = 0;
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    if (/\) Z /.test(stat)) zombies++;
    if (stat.includes("(aurae-shim)")) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      if (cmdline.includes(aurae.stateDir)) shims++;
    }
  }
  let cgroupDirs = 0;
  for (const root of await cgroupRoots(aurae.cgroupRoot)) cgroupDirs += (await descendants(root)).length;
  const daemonFds = (await readdir(`/proc/${aurae.pid}/fd`)).length;
  return { zombies, daemonFds, cgroupDirs, shims };
}

test(`${CYCLES} start/stop cycles leave no zombie, fd, cgroup directory or shim behind`, { timeout: 600_000 }, async (t) => {
  const cell = uniqueName("cycles");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true }));
  await aurae.client.executables.start({ spec: { cellName: cell, name: "warmup", argv: ["true"] } });
  await aurae.client.executables.stop({ cellName: cell, name: "warmup" });
  await sleep(200);
  const before = await census();
  for (let i = 0; i < CYCLES; i++) {
    await aurae.client.executables.start({ spec: { cellName: cell, name: "cycle", argv: ["sleep", "1000"] } });
    await aurae.client.executables.stop({ cellName: cell, name: "cycle", gracePeriodMs: 5000 });
  }
  await sleep(500); // the last shim writes its final status and exits
  const after = await census();
  // Zombies are counted host-wide: others may be reaped meanwhile, but the cycles must not add any.
  assert.ok(after.zombies <= before.zombies, `zombies: ${before.zombies} before, ${after.zombies} after`);
  assert.deepEqual({ ...after, zombies: 0 }, { ...before, zombies: 0 });
});
