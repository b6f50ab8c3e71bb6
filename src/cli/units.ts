// Human units on the command line: sizes ("32M", "1.5G", "4096") and durations ("500ms", "10s", "2m").
import { InvalidArgumentError, Option } from "commander";

const SIZE_UNITS: Record<string, number> = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Bytes from "32M", "32Mi", "32MiB" or "33554432" (binary multiples, as the kernel's own files use). */
export function parseSize(text: string): bigint {
  const match = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:ib|i|b)?|b)?$/i.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`"${text}" is not a size such as 64M or 1G`);
  return BigInt(Math.round(Number(match[1]) * SIZE_UNITS[(match[2] ?? "").toLowerCase()]!));
}

/** Milliseconds from "500ms", "10s", "2m", "1h", "30d", or a bare number of milliseconds. */
export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`"${text}" is not a duration such as 500ms, 10s or 2m`);
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? "ms"]!);
}

/**
 * A duration option (milliseconds) whose --help shows its default as a person types it ("2s", "1d"): commander
 * would print the number of milliseconds.
 */
export const durationOption = (flags: string, description: string, defaultMs: number): Option =>
  new Option(flags, description).argParser(parseDurationMs).default(defaultMs, formatDurationExactly(defaultMs));

/** A duration in the largest unit that states it exactly, so that it reads back as the same value: "90s", "24h". */
export function formatDurationExactly(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export function parseInteger(text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError(`"${text}" is not an integer`);
  return Number(text);
}

export function formatBytes(bytes: bigint | undefined): string {
  if (bytes === undefined) return "-";
  for (const [unit, size] of [["G", 2n ** 30n], ["M", 2n ** 20n], ["K", 2n ** 10n]] as const)
    if (bytes >= size && bytes % size === 0n) return `${bytes / size}${unit}`;
  return String(bytes);
}

/** A point in time from "10m" or "-10m" (that long ago), "2026-11-24T22:00:00Z", or a date Date.parse reads. */
export function parseTime(text: string, now = Date.now()): Date {
  const relative = /^-?(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (relative) return new Date(now - Math.round(Number(relative[1]) * DURATION_UNITS[relative[2]!]!));
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`"${text}" is neither a time such as 2026-11-24T22:00:00Z nor an age such as 10m`);
  return new Date(ms);
}

/** A duration as a person reads it at a glance: "850ms", "12s", "5m", "3h", "2d"; whole units, rounded down. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000]] as const)
    if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return `${Math.floor(ms / 1000)}s`;
}

/** How long ago `time` was ("5m"), or "-" when it is not set. */
export const formatAge = (time: Date | undefined, now = Date.now()): string => (time ? formatDuration(now - time.getTime()) : "-");

/** An amount in use, approximately: "512B", "3.4M", "1.2G" (limits, which are exact, use formatBytes). */
export function formatUsage(bytes: bigint | number): string {
  const n = Number(bytes);
  for (const [unit, size] of [["G", 2 ** 30], ["M", 2 ** 20], ["K", 2 ** 10]] as const) if (n >= size) return `${(n / size).toFixed(1)}${unit}`;
  return `${n}B`;
}
