import { readFileSync } from "node:fs";
import { hostname, release, uptime } from "node:os";
import type { Logger } from "pino";
import type { NodeServiceServer } from "../../gen/aurae/node/v1/node.js";
import type { CgroupMode } from "../../runtime/cgroups/driver.js";
import type { SegmentWriterHealth } from "../../runtime/logs/segment-writer.js";
import { nodeInfoToProto } from "../convert/node.js";
import { unary } from "../rpc.js";

// src/daemon/services and dist/daemon/services are both three levels below the package root.
const PACKAGE_JSON = new URL("../../../package.json", import.meta.url);

export interface NodeServiceDeps {
  readonly cgroupMode: CgroupMode;
  /** How writing auraed's own log goes (SegmentWriter.health). */
  readonly daemonLog: () => SegmentWriterHealth;
  readonly log: Logger;
}

export const nodeService = ({ cgroupMode, daemonLog, log }: NodeServiceDeps): NodeServiceServer => {
  const version = (JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version: string }).version;
  const startedAt = new Date(Date.now() - process.uptime() * 1000);
  return {
    info: unary(log, async () =>
      nodeInfoToProto({
        version,
        hostname: hostname(),
        kernelRelease: release(),
        cgroupMode,
        startedAt,
        uptimeMs: process.uptime() * 1000,
        nodeUptimeMs: uptime() * 1000,
        pid: process.pid,
        daemonLog: daemonLog(),
      }),
    ),
  };
};
