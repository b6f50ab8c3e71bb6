// How much history the event log keeps: at most maxEvents events, none older than maxAgeMs.
import { invalid } from "../../errors.js";

export interface Retention {
  readonly maxEvents: number;
  readonly maxAgeMs: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION: Retention = Object.freeze({ maxEvents: 100_000, maxAgeMs: 7 * DAY_MS });

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** "7d", "12h", "30m", "45s" or "500ms" in milliseconds; `field` names the setting in the error. */
export function parseDurationMs(text: string, field: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]!]! : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) throw invalid(field, `must be a positive duration such as 7d, 12h or 30m, got "${text}"`);
  return ms;
}
