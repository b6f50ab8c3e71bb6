// Processes drawn as a tree, the way `systemctl status` draws a unit's cgroup: each process under its parent, by pid.
import type { Process } from "../gen/aurae/observe/v1/observe.js";

/** A labelled group of processes (an executable), or a process and the processes it started. */
interface Node {
  readonly label: string;
  readonly children: readonly Node[];
}

/** One line per process, "├─1234 /bin/sh -c …" under its parent; `groups` labels each executable's tree when set. */
export function processTreeLines(processes: readonly Process[], groups?: (p: Process) => string): string[] {
  const nodes = groups ? groupBy(processes, groups).map(([label, ps]) => ({ label, children: forest(ps) })) : forest(processes);
  return nodes.flatMap((node, i) => draw(node, "", i === nodes.length - 1));
}

/** "1234 /bin/sh -c sleep 1", or "1234 [comm]" for a process with no command line left. */
const describeProcess = (p: Process): string => `${p.pid} ${p.argv.length ? p.argv.join(" ") : `[${p.comm}]`}`;

/** Roots are the processes whose parent is not in the list (the shim's children, or reparented orphans). */
function forest(processes: readonly Process[]): Node[] {
  const pids = new Set(processes.map((p) => p.pid));
  const byPid = (a: Process, b: Process) => a.pid - b.pid;
  const grow = (p: Process): Node => ({ label: describeProcess(p), children: processes.filter((c) => c.ppid === p.pid && c.pid !== p.pid).sort(byPid).map(grow) });
  return processes.filter((p) => !pids.has(p.ppid)).sort(byPid).map(grow);
}

function draw(node: Node, indent: string, last: boolean): string[] {
  const below = `${indent}${last ? "  " : "│ "}`;
  return [`${indent}${last ? "└─" : "├─"}${node.label}`, ...node.children.flatMap((c, i) => draw(c, below, i === node.children.length - 1))];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups];
}
