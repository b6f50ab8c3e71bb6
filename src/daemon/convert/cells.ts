// The one file that knows both shapes of a cell: the API's and the domain's.
import type { Cell, CellSpec } from "../../domain/cells/cell-spec.js";
import type * as pb from "../../gen/aurae/cells/v1/cells.js";
import { int64ToNumber } from "./int64.js";

export function cellSpecFromProto(m: pb.CellSpec): CellSpec {
  return {
    name: m.name,
    ...(m.cpu && {
      cpu: {
        quotaUs: int64ToNumber(m.cpu.quotaUs, "spec.cpu.quota_us"),
        periodUs: int64ToNumber(m.cpu.periodUs, "spec.cpu.period_us"),
      },
    }),
    ...(m.memory && { memory: { maxBytes: int64ToNumber(m.memory.maxBytes, "spec.memory.max_bytes") } }),
    ...(m.pids && { pids: { max: int64ToNumber(m.pids.max, "spec.pids.max") } }),
  };
}

export function cellToProto(cell: Cell): pb.Cell {
  const { name, cpu, memory, pids } = cell.spec;
  const big = (n: number | undefined): bigint | undefined => (n === undefined ? undefined : BigInt(n));
  return {
    spec: {
      name,
      cpu: cpu && { quotaUs: big(cpu.quotaUs), periodUs: big(cpu.periodUs) },
      memory: memory && { maxBytes: big(memory.maxBytes) },
      pids: pids && { max: big(pids.max) },
    },
    status: { createdAt: cell.createdAt, cgroupPaths: [...cell.cgroupPaths] },
  };
}
