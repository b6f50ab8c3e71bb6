import { invalid, quote } from "../../errors.js";
import type { LogRecord } from "../../runtime/logs/cri-log.js";

// pino's numeric levels.
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const LEVEL_FIELD = /"level":(\d+)/;

/** A filter keeping daemon log records at `level` or above; undefined for "" (everything). */
export function atLeastLevel(level: string, field = "level"): ((record: LogRecord) => boolean) | undefined {
  if (level === "") return undefined;
  const min = LEVELS[level];
  if (min === undefined) throw invalid(field, `${quote(level)} is not one of ${Object.keys(LEVELS).join(", ")}`);
  return (record) => Number(LEVEL_FIELD.exec(record.content.toString("latin1", 0, 64))?.[1] ?? 0) >= min;
}
