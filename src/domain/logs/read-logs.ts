// Reads an executable's log from a byte offset and, when following, waits for more until the shim has closed it.
import { invalid } from "../../errors.js";
import { readLogChunk, type LogRecord } from "../../runtime/logs/cri-log.js";
import { DirWatcher } from "../../runtime/shim/watch-dir.js";
import type { Executables } from "../executables/executables.js";
import { validateCellName, validateExecutableName } from "../names.js";

export type { LogRecord } from "../../runtime/logs/cri-log.js";

export interface LogQuery {
  readonly cell: string;
  readonly name: string;
  readonly follow: boolean;
  /** Byte offset to start at: 0, or a record's nextOffset. */
  readonly offset: number;
}

/** Batches of records in file order; a batch is about 1 MiB of log at most. */
export async function* readLogs(executables: Executables, query: LogQuery, signal: AbortSignal): AsyncGenerator<LogRecord[]> {
  validateCellName(query.cell, "cell_name");
  validateExecutableName(query.name, "executable_name");
  if (!Number.isSafeInteger(query.offset) || query.offset < 0)
    throw invalid("offset", `must be a non-negative offset returned as next_offset, got ${query.offset}`);
  const log = await executables.logOf(query.cell, query.name);
  const watcher = query.follow ? new DirWatcher(log.dir) : undefined;
  let { offset } = query;
  let follow = query.follow;
  try {
    while (!signal.aborted) {
      const chunk = await readLogChunk(log.path, offset);
      if (chunk.records.length > 0) {
        offset = chunk.nextOffset;
        yield chunk.records;
        continue;
      }
      if (!follow) return;
      // Closed means the shim wrote its last byte: one more read to the end, and the log is complete.
      if (await log.closed()) follow = false;
      else await watcher!.changed(signal);
    }
  } finally {
    watcher?.close();
  }
}
