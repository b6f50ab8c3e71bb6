// The logs a query reads: an executable's, a cell's executables', or the daemon's own.
import { invalid } from "../../errors.js";
import type { Executables } from "../executables/executables.js";
import { validateCellName, validateExecutableName } from "../names.js";
import type { LogSources } from "./read-logs.js";

/** One executable (`name`) or every executable of `cell`; a cell's follow only ends when cancelled. */
export function executableLogs(executables: Executables, cell: string, name: string | undefined, offset: number): LogSources {
  validateCellName(cell, "cell_name");
  if (name !== undefined) validateExecutableName(name, "executable_name");
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw invalid("offset", `must be a non-negative offset returned as next_offset, got ${offset}`);
  if (offset > 0 && name === undefined) throw invalid("offset", "applies to one executable; use cursor for a cell");
  const names = (): string[] => (name === undefined ? executables.namesIn(cell) : [name]);
  return {
    startOffset: offset,
    list: () => Promise.all(names().map(async (n) => ({ name: n, dir: (await executables.logOf(cell, n)).dir }))),
    closed: async () => name !== undefined && (await (await executables.logOf(cell, name)).closed()),
    closingDirs: async () => {
      const statusDir = name === undefined ? undefined : (await executables.logOf(cell, name)).statusDir();
      return statusDir === undefined ? [] : [statusDir];
    },
    onChange: (listener) => executables.onLogChange(cell, name, listener),
  };
}

/** The daemon's own log: it is never closed while the daemon serves. */
export const daemonLog = (dir: string): LogSources => ({
  startOffset: 0,
  list: async () => [{ name: "auraed", dir }],
  closed: async () => false,
});
