import type { Logger } from "pino";
import type { Executables } from "../../domain/executables/executables.js";
import { atLeastLevel } from "../../domain/logs/daemon-log-level.js";
import { daemonLog, executableLogs } from "../../domain/logs/log-sources.js";
import { readLogs, readPackedLogs } from "../../domain/logs/read-logs.js";
import type { GetDaemonLogsResponse, GetLogsResponse, ObserveServiceServer } from "../../gen/aurae/observe/v1/observe.js";
import { int64ToNumber } from "../convert/int64.js";
import { isPackedRequest, logBatchToProto, logQueryFromProto, packedLogBatchToProto } from "../convert/logs.js";
import { processListToProto } from "../convert/processes.js";
import { serverStream, unary } from "../rpc.js";

export interface ObserveServiceDeps {
  readonly executables: Executables;
  /** Where auraed's own log is kept. */
  readonly daemonLogDir: string;
  readonly log: Logger;
}

export const observeService = ({ executables, daemonLogDir, log }: ObserveServiceDeps): ObserveServiceServer => ({
  getLogs: serverStream(log, async function* (req, signal): AsyncGenerator<GetLogsResponse> {
    const packed = isPackedRequest(req);
    const sources = executableLogs(executables, req.cellName, req.executableName || undefined, int64ToNumber(req.offset, "offset") ?? 0);
    if (packed) for await (const batch of readPackedLogs(sources, logQueryFromProto(req), signal)) yield packedLogBatchToProto(batch);
    else for await (const batch of readLogs(sources, logQueryFromProto(req), signal)) yield logBatchToProto(batch);
  }),
  getDaemonLogs: serverStream(log, async function* (req, signal): AsyncGenerator<GetDaemonLogsResponse> {
    const query = { ...logQueryFromProto({ ...req, streams: [] }), accept: atLeastLevel(req.level) };
    for await (const batch of readLogs(daemonLog(daemonLogDir), query, signal)) yield logBatchToProto(batch);
  }),
  listProcesses: unary(log, async (req) => processListToProto(await executables.processes(req.cellName, req.executableName || undefined))),
});
