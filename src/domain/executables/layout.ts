// Where an executable lives on the node. Cell names never contain ".", so "web.api" (the state directory of cell
// "web/api") and "x.exe" (the leaf cgroup of executable "x") can never clash with a cell's own name.
import { join } from "node:path";

/** The leaf cgroup an executable runs in, below its cell: cells themselves never hold processes (cgroup v2 rule). */
export const leafCgroup = (cell: string, name: string): string => `${cell}/${name}.exe`;

export const executableDir = (stateRoot: string, cell: string, name: string): string =>
  join(stateRoot, "executables", cell.replaceAll("/", "."), name);

export const logFile = (executableDir: string): string => join(executableDir, "output.log");
