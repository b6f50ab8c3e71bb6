// The one file that knows both shapes of a cell: the API's and the domain's.
import type { Cell, CellSpec } from "../../domain/cells/cell-spec.js";
import type { CellStats } from "../../domain/cells/cells.js";
import type * as pb from "../../gen/aurae/cells/v1/cells.js";
import { int64ToNumber } from "./int64.js";

export function cellSpecFromProto(m: pb.CellSpec): CellSpec {
  const { cpu, cpuset, memory, pids, io, isolation } = m;
  return {
    name: m.name,
    ...(cpu && {
      cpu: {
        quotaUs: int64ToNumber(cpu.quotaUs, "spec.cpu.quota_us"),
        periodUs: int64ToNumber(cpu.periodUs, "spec.cpu.period_us"),
        weight: cpu.weight,
      },
    }),
    ...(cpuset && { cpuset: { cpus: cpuset.cpus || undefined, mems: cpuset.mems || undefined } }),
    ...(memory && {
      memory: {
        maxBytes: int64ToNumber(memory.maxBytes, "spec.memory.max_bytes"),
        highBytes: int64ToNumber(memory.highBytes, "spec.memory.high_bytes"),
        lowBytes: int64ToNumber(memory.lowBytes, "spec.memory.low_bytes"),
        minBytes: int64ToNumber(memory.minBytes, "spec.memory.min_bytes"),
        swapMaxBytes: int64ToNumber(memory.swapMaxBytes, "spec.memory.swap_max_bytes"),
      },
    }),
    ...(pids && { pids: { max: int64ToNumber(pids.max, "spec.pids.max") } }),
    ...(io && {
      io: {
        weight: io.weight,
        devices: io.devices.map((d, i) => ({
          device: d.device,
          readBps: int64ToNumber(d.readBytesPerSecond, `spec.io.devices[${i}].read_bytes_per_second`),
          writeBps: int64ToNumber(d.writeBytesPerSecond, `spec.io.devices[${i}].write_bytes_per_second`),
          readIops: int64ToNumber(d.readIops, `spec.io.devices[${i}].read_iops`),
          writeIops: int64ToNumber(d.writeIops, `spec.io.devices[${i}].write_iops`),
        })),
      },
    }),
    ...(isolation && { isolation: { ...isolation } }),
    ...(m.workloadIdentity && { workloadIdentity: true }),
    ...(Object.keys(m.labels).length > 0 && { labels: m.labels }),
  };
}

const big = (n: number | undefined): bigint | undefined => (n === undefined ? undefined : BigInt(n));

export function cellToProto(cell: Cell): pb.Cell {
  const { name, cpu, cpuset, memory, pids, io, isolation, workloadIdentity, labels } = cell.spec;
  return {
    spec: {
      name,
      cpu: cpu && { quotaUs: big(cpu.quotaUs), periodUs: big(cpu.periodUs), weight: cpu.weight },
      cpuset: cpuset && { cpus: cpuset.cpus ?? "", mems: cpuset.mems ?? "" },
      memory: memory && {
        maxBytes: big(memory.maxBytes),
        highBytes: big(memory.highBytes),
        lowBytes: big(memory.lowBytes),
        minBytes: big(memory.minBytes),
        swapMaxBytes: big(memory.swapMaxBytes),
      },
      pids: pids && { max: big(pids.max) },
      io: io && {
        weight: io.weight,
        devices: (io.devices ?? []).map((d) => ({
          device: d.device,
          readBytesPerSecond: big(d.readBps),
          writeBytesPerSecond: big(d.writeBps),
          readIops: big(d.readIops),
          writeIops: big(d.writeIops),
        })),
      },
      isolation: isolation && { ...isolation },
      workloadIdentity: workloadIdentity ?? false,
      labels: { ...labels },
    },
    status: {
      createdAt: cell.createdAt,
      cgroupPaths: [...cell.cgroupPaths],
      frozen: cell.frozen,
      initPid: cell.initPid ?? 0,
      spiffeId: cell.identity?.spiffeId ?? "",
      socketPath: cell.identity?.socketPath ?? "",
    },
  };
}

export const cellStatsToProto = (s: CellStats): pb.CellStats => ({
  cpuUsageUs: BigInt(s.cpuUsageUs),
  cpuUserUs: BigInt(s.cpuUserUs),
  cpuSystemUs: BigInt(s.cpuSystemUs),
  cpuThrottledPeriods: BigInt(s.cpuThrottledPeriods),
  cpuThrottledUs: BigInt(s.cpuThrottledUs),
  memoryCurrentBytes: BigInt(s.memoryCurrentBytes),
  memoryPeakBytes: BigInt(s.memoryPeakBytes),
  oomKills: BigInt(s.oomKills),
  pidsCurrent: BigInt(s.pidsCurrent),
  ioReadBytes: BigInt(s.ioReadBytes),
  ioWriteBytes: BigInt(s.ioWriteBytes),
});
