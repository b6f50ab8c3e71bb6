// The cgroup drivers on this host's real kernel: a driver on a unique root in every hierarchy, removed after the
// test however it ends, and workloads (a counting shell loop) the test spawns, moves into a leaf and kills.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createCgroupDriver } from "../../../../src/runtime/cgroups/create-driver.js";
import type { CgroupDriver, CgroupMode } from "../../../../src/runtime/cgroups/driver.js";
import { probeCgroupMode } from "../../../../src/runtime/cgroups/probe.js";
import { descendants, removeCgroupRoot } from "../../../helpers/cgroups.js";
import { uniqueName } from "../../../helpers/names.js";

export const FS_ROOT = "/sys/fs/cgroup";

export interface RealDriver {
  readonly driver: CgroupDriver;
  readonly root: string;
  /** `path`'s directory in one hierarchy ("memory", "unified", ...). */
  dir(hierarchy: string, path: string): string;
  /** A kernel file of `path` in one hierarchy, trimmed. */
  read(hierarchy: string, path: string, file: string): Promise<string>;
}

/**
 * Why this host cannot run the v1 driver for real (not root, pure v2, nothing mounted), or undefined. `mode` "v1"
 * asks for the pure v1 driver, which a hybrid host can run too (its freezer hierarchy instead of unified).
 */
export async function whyNoV1Driver(mode: "v1" | "hybrid"): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "managing cgroups needs root";
  const hostMode = await probeCgroupMode(FS_ROOT).catch(() => undefined);
  if (hostMode === undefined || hostMode === "v2") return `this host's cgroups are ${hostMode ?? "not mounted"}, not v1`;
  if (mode === "hybrid" && hostMode !== "hybrid") return "this host has no unified hierarchy beside v1";
  return undefined;
}

/** A driver in `mode` on a root of its own, initialized; the root goes, in every hierarchy, after the test. */
export async function useRealDriver(t: TestContext, mode: CgroupMode): Promise<RealDriver> {
  const root = uniqueName("aurae-it");
  t.after(async () => {
    await thawRoot(root); // a frozen task cannot die, so its cgroup could not go
    await removeCgroupRoot(root);
  });
  const driver = await createCgroupDriver(mode, { fsRoot: FS_ROOT, root, freezeTimeoutMs: 5_000 });
  await driver.init();
  const dir = (hierarchy: string, path: string) => join(FS_ROOT, hierarchy, root, path);
  const read = async (hierarchy: string, path: string, file: string) => (await readFile(join(dir(hierarchy, path), file), "utf8")).trim();
  return { driver, root, dir, read };
}

export interface Counter {
  readonly pid: number;
  /** The last number the loop wrote. */
  value(): Promise<number>;
  /** Resolves with the signal that ended the loop. */
  readonly exited: Promise<NodeJS.Signals | null>;
}

/**
 * A shell loop counting into a file as fast as it can (busy: it uses CPU and page cache), moved into every directory
 * of `leaf`. Killed after the test if still running: only this pid, never by name.
 */
export async function spawnCounter(t: TestContext, driver: CgroupDriver, leaf: string): Promise<Counter> {
  const file = join(tmpdir(), `${uniqueName("aurae-it-counter")}.txt`);
  const child = spawn("sh", ["-c", `i=0; while :; do i=$((i+1)); echo $i > ${file}; done`], { stdio: "ignore" });
  const exited = once(child, "exit").then(([, signal]) => signal as NodeJS.Signals | null);
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await Promise.race([exited, sleep(2_000)]); // frozen, it dies only once its root is thawed
    }
    await rm(file, { force: true });
  });
  await once(child, "spawn");
  for (const dir of driver.dirs(leaf)) await writeFile(join(dir, "cgroup.procs"), String(child.pid));
  // The loop truncates the file before each write: a read often finds it empty, so read until it does not (a loop
  // frozen between the two leaves it empty for good: 0).
  const value = async () => {
    for (let i = 0; i < 200; i++) {
      const text = (await readFile(file, "utf8").catch(() => "")).trim();
      if (text !== "") return Number(text);
      await sleep(1);
    }
    return 0;
  };
  for (let i = 0; i < 100 && (await value()) === 0; i++) await sleep(10);
  return { pid: child.pid!, value, exited };
}

/** Thaws every cgroup of our root in the freezer and unified hierarchies, whichever exist. */
async function thawRoot(root: string): Promise<void> {
  for (const [hierarchy, file, value] of [["freezer", "freezer.state", "THAWED"], ["unified", "cgroup.freeze", "0"]] as const) {
    const top = join(FS_ROOT, hierarchy, root);
    for (const dir of [top, ...(await descendants(top))]) await writeFile(join(dir, file), value).catch(() => undefined);
  }
}

/** Whether the counter stands still over `ms`. */
export async function isStill(counter: Counter, ms = 200): Promise<boolean> {
  const before = await counter.value();
  await sleep(ms);
  return (await counter.value()) === before;
}

/** "MAJ:MIN" of a real, non-loop, non-RAM block device from /sys/block, or undefined. */
export async function realDisk(): Promise<{ major: number; minor: number } | undefined> {
  for (const name of await readdir("/sys/block").catch(() => [])) {
    if (/^(loop|ram|zram)/.test(name)) continue;
    const numbers = await readFile(join("/sys/block", name, "dev"), "utf8").catch(() => undefined);
    const [major, minor] = (numbers ?? "").trim().split(":").map(Number);
    if (major !== undefined && minor !== undefined && !Number.isNaN(major) && !Number.isNaN(minor)) return { major, minor };
  }
  return undefined;
}

/** Whether some block device has the bfq scheduler selected (then v1 can weight I/O). */
export async function hasBfqDevice(): Promise<boolean> {
  for (const name of await readdir("/sys/block").catch(() => []))
    if ((await readFile(join("/sys/block", name, "queue", "scheduler"), "utf8").catch(() => "")).includes("[bfq]")) return true;
  return false;
}
