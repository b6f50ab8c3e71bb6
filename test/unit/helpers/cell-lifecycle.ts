// One cell's life through a cgroup driver, as cells and executables drive it: shared by the drivers' tests.
import type { CgroupDriver, CgroupLimits } from "../../../src/runtime/cgroups/driver.js";

const LIMITS: CgroupLimits = { cpu: { quotaUs: 50_000 }, memory: { maxBytes: 33_554_432 }, pids: { max: 64 } };

/** Creates `cell` with limits, updates them, starts a leaf below it, lists and kills its processes, removes both. */
export async function runCellLifecycle(driver: CgroupDriver, cell: string): Promise<void> {
  const leaf = `${cell}/api.exe`;
  await driver.create(cell, LIMITS);
  await driver.update(cell, { ...LIMITS, pids: { max: 32 } });
  await driver.createLeaf(leaf);
  await driver.pids(cell);
  await driver.kill(leaf);
  await driver.remove(leaf);
  await driver.remove(cell);
}
