import { invalid } from "../../errors.js";
import { validateCellName } from "../names.js";

/** What a caller asks of a cell, in kernel units. Absent limits are unlimited. */
export interface CellSpec {
  readonly name: string;
  readonly cpu?: { readonly quotaUs?: number; readonly periodUs?: number };
  readonly memory?: { readonly maxBytes?: number };
  readonly pids?: { readonly max?: number };
}

export interface Cell {
  readonly spec: CellSpec;
  readonly createdAt: Date;
  readonly cgroupPaths: readonly string[];
}

const MIB = 1024 * 1024;
const PID_MAX_LIMIT = 4_194_304; // the kernel's ceiling for pid_max on 64-bit

/** Checks every field against what the kernel accepts, naming the first field that is wrong. */
export function validateCellSpec(spec: CellSpec): CellSpec {
  validateCellName(spec.name, "spec.name");
  const { cpu, memory, pids } = spec;
  if (cpu?.periodUs !== undefined) checkRange(cpu.periodUs, "spec.cpu.period_us", 1000, 1_000_000);
  // The kernel rejects quotas below 1 ms; above ~10^12 us the quota could never bind anyway.
  if (cpu?.quotaUs !== undefined) checkRange(cpu.quotaUs, "spec.cpu.quota_us", 1000, 1e12);
  if (memory?.maxBytes !== undefined) checkRange(memory.maxBytes, "spec.memory.max_bytes", MIB, Number.MAX_SAFE_INTEGER);
  if (pids?.max !== undefined) checkRange(pids.max, "spec.pids.max", 1, PID_MAX_LIMIT);
  return spec;
}

function checkRange(value: number, field: string, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw invalid(field, `must be an integer from ${min} to ${max}, got ${value}`);
}
