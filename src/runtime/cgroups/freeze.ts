// Freezing a cgroup and waiting for the kernel to say it is done. Both freezers work the same way: a write starts the
// change, a state file reports when every task has reached it (a task in uninterruptible sleep delays that).
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { unavailable } from "../../errors.js";
import { readCgroupFile, writeCgroupControl } from "./files.js";

export interface Freezer {
  /** The file a write to which freezes or thaws. */
  readonly control: string;
  readonly freezeValue: string;
  readonly thawValue: string;
  /** The file that reports the state, and the line it shows once the change is complete. */
  readonly stateFile: string;
  readonly frozen: string;
  readonly thawed: string;
}

/** cgroup v2 (also the unified hierarchy of a hybrid host): cgroup.events says "frozen 1" once all tasks stopped. */
export const UNIFIED_FREEZER: Freezer = {
  control: "cgroup.freeze",
  freezeValue: "1",
  thawValue: "0",
  stateFile: "cgroup.events",
  frozen: "frozen 1",
  thawed: "frozen 0",
};

/** The v1 freezer controller: freezer.state reads FREEZING until every task is frozen. */
export const V1_FREEZER: Freezer = {
  control: "freezer.state",
  freezeValue: "FROZEN",
  thawValue: "THAWED",
  stateFile: "freezer.state",
  frozen: "FROZEN",
  thawed: "THAWED",
};

export const DEFAULT_FREEZE_TIMEOUT_MS = 10_000;
const POLL_MS = 10;

export async function freezeCgroup(freezer: Freezer, dir: string, timeoutMs: number): Promise<void> {
  await writeCgroupControl(dir, freezer.control, freezer.freezeValue);
  await waitForState(dir, freezer.stateFile, freezer.frozen, timeoutMs);
}

export async function thawCgroup(freezer: Freezer, dir: string, timeoutMs: number): Promise<void> {
  await writeCgroupControl(dir, freezer.control, freezer.thawValue);
  await waitForState(dir, freezer.stateFile, freezer.thawed, timeoutMs);
}

export async function isCgroupFrozen(freezer: Freezer, dir: string): Promise<boolean> {
  return hasLine(readCgroupFile(dir, freezer.stateFile), freezer.frozen);
}

/** Polls `file` until it matches `state`; kernfs notifies only some files, so polling serves both freezers alike. */
async function waitForState(dir: string, file: string, line: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!hasLine(readCgroupFile(dir, file), line)) {
    if (Date.now() >= deadline) throw unavailable(`${join(dir, file)} did not report "${line}" within ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

const hasLine = (text: string, line: string): boolean => text.split("\n").some((l) => l.trim() === line);
