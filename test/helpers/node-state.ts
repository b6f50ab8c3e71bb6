// What a node holds, read through the API (every page) and from the kernel (our cgroup root), so that tests can
// compare the two, or one daemon's view with the next one's.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { AuraeClientError, type AuraeClient } from "../../src/client/index.js";
import type { Cell } from "../../src/gen/aurae/cells/v1/cells.js";
import type { Executable } from "../../src/gen/aurae/executables/v1/executables.js";
import { cgroupRoots, descendants, procsIn } from "./cgroups.js";

export const listAllExecutables = (client: AuraeClient): Promise<Executable[]> =>
  allPages(async (pageToken) => {
    const page = await client.executables.list({ pageSize: 1000, pageToken });
    return [page.executables, page.nextPageToken];
  });

export const listAllCells = (client: AuraeClient): Promise<Cell[]> =>
  allPages(async (pageToken) => {
    const page = await client.cells.list({ pageSize: 1000, pageToken });
    return [page.cells, page.nextPageToken];
  });

async function allPages<T>(fetchPage: (pageToken: string) => Promise<[T[], string]>): Promise<T[]> {
  const all: T[] = [];
  let pageToken = "";
  do {
    const [items, next] = await fetchPage(pageToken);
    all.push(...items);
    pageToken = next;
  } while (pageToken);
  return all;
}

/**
 * Every cgroup below our root, by its path relative to the root ("web", "web/x.exe", "web/cell.init"), with the
 * processes it holds in any hierarchy. A directory present in only some hierarchies is listed too.
 */
export async function cgroupTree(root: string): Promise<Map<string, Set<number>>> {
  const tree = new Map<string, Set<number>>();
  for (const top of await cgroupRoots(root)) {
    for (const dir of await descendants(top)) {
      const path = relative(top, dir);
      const pids = tree.get(path) ?? new Set<number>();
      for (const pid of await procsIn(dir)) pids.add(pid);
      tree.set(path, pids);
    }
  }
  return tree;
}

/** Every process in our root (its own directory and below), in any hierarchy. */
export async function processesUnder(root: string): Promise<Set<number>> {
  const pids = new Set<number>();
  for (const top of await cgroupRoots(root))
    for (const dir of [top, ...(await descendants(top))]) for (const pid of await procsIn(dir)) pids.add(pid);
  return pids;
}

/** The parent of `pid`, or undefined once it is gone. */
export async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ")".
  return stat === undefined ? undefined : Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** `cell/name`: an executable's key, and its leaf cgroup's path without the ".exe". */
export const keyOf = (x: Executable): string => `${x.spec!.cellName}/${x.spec!.name}`;

/** Resolves to undefined when the call failed with NOT_FOUND: cleanup of what a test may already have removed. */
export const unlessNotFound = <T>(call: Promise<T>): Promise<T | undefined> =>
  call.catch((err: unknown) => {
    if (err instanceof AuraeClientError && err.code === "not-found") return undefined;
    throw err;
  });

/** Whether cgroup `path` (relative to our root) exists in any hierarchy. */
export async function hasCgroup(root: string, path: string): Promise<boolean> {
  for (const top of await cgroupRoots(root)) if (await stat(join(top, path)).then(() => true, () => false)) return true;
  return false;
}

/** The aurae-shim processes working for the daemon whose state directory is `stateDir`, each with its own --state-dir. */
export async function shimsOf(stateDir: string): Promise<Map<number, string>> {
  const shims = new Map<number, string>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    const dir = argv[argv.indexOf("--state-dir") + 1];
    if (argv[0]?.endsWith("aurae-shim") && dir?.startsWith(`${stateDir}/`)) shims.set(Number(entry), dir);
  }
  return shims;
}
