// The one file that knows both shapes of what NodeService tells about the node and its daemon.
import type { CgroupMode } from "../../runtime/cgroups/driver.js";
import type { SegmentWriterHealth } from "../../runtime/logs/segment-writer.js";
import * as pb from "../../gen/aurae/node/v1/node.js";

export interface NodeInfo {
  readonly version: string;
  readonly hostname: string;
  readonly kernelRelease: string;
  readonly cgroupMode: CgroupMode;
  readonly startedAt: Date;
  readonly uptimeMs: number;
  readonly nodeUptimeMs: number;
  readonly pid: number;
  readonly daemonLog: SegmentWriterHealth;
}

const CGROUP_MODES: Record<CgroupMode, pb.CgroupMode> = {
  v1: pb.CgroupMode.CGROUP_MODE_V1,
  v2: pb.CgroupMode.CGROUP_MODE_V2,
  hybrid: pb.CgroupMode.CGROUP_MODE_HYBRID,
};

export const nodeInfoToProto = (info: NodeInfo): pb.InfoResponse => ({
  version: info.version,
  hostname: info.hostname,
  kernelRelease: info.kernelRelease,
  cgroupMode: CGROUP_MODES[info.cgroupMode],
  startedAt: info.startedAt,
  uptimeMs: BigInt(Math.round(info.uptimeMs)),
  nodeUptimeMs: BigInt(Math.round(info.nodeUptimeMs)),
  pid: info.pid,
  daemonLogLinesLost: BigInt(info.daemonLog.linesLost),
  daemonLogError: info.daemonLog.failing ?? "",
});
