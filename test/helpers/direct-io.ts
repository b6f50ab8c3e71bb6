// Where a test can write with O_DIRECT and see the bytes in cgroup counters: a directory on a real block device.
import { execFile } from "node:child_process";
import { access, readFile, realpath, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * The whole disk under `dir` as "MAJOR:MINOR", or why a test must skip: `dir` is not on a block device (tmpfs,
 * overlay) or its filesystem refuses O_DIRECT. A cell wants a throttle rule on that disk for v1 to count its bytes:
 * blk-throttle counts only on devices it is active on (a rule was set there since boot).
 */
export async function directWriteDisk(dir: string): Promise<{ device: string } | { skip: string }> {
  const dev = (await stat(dir, { bigint: true })).dev;
  // glibc's major()/minor() of a dev_t
  const numbers = `${((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)}:${(dev & 0xffn) | ((dev >> 12n) & ~0xffn)}`;
  const sys = await realpath(`/sys/dev/block/${numbers}`).catch(() => undefined);
  if (!sys) return { skip: `${dir} is not on a block device (its device is ${numbers})` };
  const isPartition = await access(join(sys, "partition")).then(() => true, () => false);
  const probe = join(dir, `direct-io-probe-${process.pid}`);
  const refused = await promisify(execFile)("dd", ["if=/dev/zero", `of=${probe}`, "bs=4096", "count=1", "oflag=direct"]).then(
    () => undefined,
    (err: Error) => err.message,
  );
  await rm(probe, { force: true });
  if (refused) return { skip: `O_DIRECT is not supported in ${dir}: ${refused}` };
  return { device: (await readFile(join(isPartition ? join(sys, "..") : sys, "dev"), "utf8")).trim() };
}

/** dd writing `mib` MiB of zeros to `file` with O_DIRECT, so the bytes reach the disk as the writer's own I/O. */
export const directWriteArgv = (file: string, mib: number): string[] =>
  ["dd", "if=/dev/zero", `of=${file}`, "bs=1M", `count=${mib}`, "oflag=direct"];
