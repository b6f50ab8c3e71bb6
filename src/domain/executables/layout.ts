// Where an executable lives on the node. Cell names never contain ".", so "web.api" (the state directory of cell
// "web/api") and "x.exe" (the leaf cgroup of executable "x") can never clash with a cell's own name.
import { join } from "node:path";

/** The leaf cgroup an executable runs in, below its cell: cells themselves never hold processes (cgroup v2 rule). */
export const leafCgroup = (cell: string, name: string): string => `${cell}/${name}.exe`;

export const executableDir = (stateRoot: string, cell: string, name: string): string =>
  join(stateRoot, "executables", cell.replaceAll("/", "."), name);

/** Every run (the first, then each restart) appends to one log: a directory of size-rotated segments. */
export const logDir = (executableDir: string): string => join(executableDir, "log");

/**
 * The state directory of one run, numbered by restart count: a run's shim may still write its final status after
 * the next run started, so runs never share a directory.
 */
export const runDir = (executableDir: string, restartCount: number): string => join(executableDir, "runs", String(restartCount));

export const trashDir = (stateRoot: string): string => join(stateRoot, "trash");
