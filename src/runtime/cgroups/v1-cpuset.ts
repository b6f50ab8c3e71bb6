// cgroup v1 cpusets. A new v1 cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and the kernel refuses
// tasks (ENOSPC) until both are set; a cgroup's sets must lie within its parent's (EINVAL), and a parent's cannot
// shrink while a child's reaches outside the new set (EBUSY). So new cgroups copy their parent (the kernel does it at
// mkdir below a cgroup with cgroup.clone_children set, as the driver sets on its root), and a change walks the whole
// subtree: widen top-down, then narrow bottom-up, every intermediate state valid.
import { dirname, join } from "node:path";
import { invalid } from "../../errors.js";
import type { CgroupLimits } from "./driver.js";
import { childCgroups, readCgroupFile, writeCgroupFile } from "./files.js";
import { writeLimit } from "./limit-files.js";

const MAX_CPU_ID = 65_536; // far above the kernel's NR_CPUS limit (8192): bounds the set a typo could build

const CPUSET_FILES = { cpus: "cpuset.cpus", mems: "cpuset.mems" } as const;
type CpusetKey = keyof typeof CPUSET_FILES;

/**
 * Gives the new cgroup `dir` the sets `limits` asks for, or its parent's. One just made (`fresh`) that the kernel gave
 * its parent's sets (cgroup.clone_children) keeps them: a write of cpuset.cpus makes v1 plan the scheduler's domains
 * again, walking every cpuset on the host (0.3 ms here with 2,000 of them), for the same value.
 */
export function setNewCpuset(dir: string, limits: CgroupLimits["cpuset"], opts: { readonly fresh: boolean }): void {
  for (const key of keys()) {
    const file = CPUSET_FILES[key];
    if (limits?.[key] === undefined && opts.fresh && readCgroupFile(dir, file) !== "") continue;
    const value = limits?.[key] ?? readCgroupFile(dirname(dir), file);
    writeLimit(`cpuset.${key}`, () => writeCgroupFile(dir, file, value));
  }
}

/** Changes `dir`'s sets to those `limits` asks for, or its parent's, carrying the cgroups below along. */
export function updateCpuset(dir: string, limits: CgroupLimits["cpuset"]): void {
  for (const key of keys()) {
    const file = CPUSET_FILES[key];
    const target = limits?.[key] ?? readCgroupFile(dirname(dir), file);
    const plan = planCpusetWrites(readCpusetTree(dir, file), parseCpuList(target, `cpuset.${key}`));
    for (const write of plan) writeLimit(`cpuset.${key}`, () => writeCgroupFile(write.dir, file, write.value));
  }
}

/** The cgroup whose set changes and every cgroup below it, with one set file's current value. */
export interface CpusetNode {
  readonly dir: string;
  readonly value: string;
  readonly children: readonly CpusetNode[];
}

export interface CpusetWrite {
  readonly dir: string;
  readonly value: string;
}

/**
 * The writes that give `tree`'s top the set `target`. Below it, a cgroup that had its parent's set (a leaf, a cell
 * without a cpuset of its own) follows it; one with its own set keeps what of it lies within its parent's new set,
 * or takes the parent's when nothing does. All sets first widen to old ∪ new top-down, then narrow bottom-up.
 */
export function planCpusetWrites(tree: CpusetNode, target: readonly number[]): CpusetWrite[] {
  const widen: CpusetWrite[] = [];
  const narrow: CpusetWrite[] = [];
  const walk = (node: CpusetNode, current: number[], wanted: number[]): void => {
    const wide = union(current, wanted);
    if (!sameSet(wide, current)) widen.push({ dir: node.dir, value: formatCpuList(wide) });
    for (const child of node.children) {
      const childCurrent = parseCpuList(child.value, child.dir);
      const kept = intersection(childCurrent, wanted);
      walk(child, childCurrent, sameSet(childCurrent, current) || kept.length === 0 ? wanted : kept);
    }
    if (!sameSet(wanted, wide)) narrow.push({ dir: node.dir, value: formatCpuList(wanted) });
  };
  walk(tree, parseCpuList(tree.value, tree.dir), [...target]);
  return [...widen, ...narrow];
}

/** "0-3,5" as [0, 1, 2, 3, 5]; "" is the empty set. `what` names the value in the error for a malformed list. */
export function parseCpuList(list: string, what: string): number[] {
  const ids = new Set<number>();
  for (const part of list.trim().split(",").filter(Boolean)) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    const [first, last] = [Number(match?.[1]), Number(match?.[2] ?? match?.[1])];
    if (!match || last < first || last >= MAX_CPU_ID)
      throw invalid(what, `must be a list of ids and ranges such as "0-3,5", got "${list}"`);
    for (let id = first; id <= last; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** [0, 1, 2, 3, 5] as "0-3,5", the kernel's own form. */
export function formatCpuList(ids: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    ranges.push(i === j ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return ranges.join(",");
}

function readCpusetTree(dir: string, file: string): CpusetNode {
  const children = childCgroups(dir).map((name) => readCpusetTree(join(dir, name), file));
  return { dir, value: readCgroupFile(dir, file), children };
}

const keys = (): CpusetKey[] => Object.keys(CPUSET_FILES) as CpusetKey[];
const union = (a: readonly number[], b: readonly number[]): number[] => [...new Set([...a, ...b])].sort((x, y) => x - y);
const intersection = (a: readonly number[], b: readonly number[]): number[] => a.filter((id) => b.includes(id));
const sameSet = (a: readonly number[], b: readonly number[]): boolean => formatCpuList(a) === formatCpuList(b);
