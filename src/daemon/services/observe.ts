import type { Logger } from "pino";
import type { Executables } from "../../domain/executables/executables.js";
import { readLogs } from "../../domain/logs/read-logs.js";
import type { GetLogsResponse, ObserveServiceServer } from "../../gen/aurae/observe/v1/observe.js";
import { logEntryToProto } from "../convert/logs.js";
import { int64ToNumber } from "../convert/int64.js";
import { serverStream } from "../rpc.js";

export const observeService = ({ executables, log }: { executables: Executables; log: Logger }): ObserveServiceServer => ({
  getLogs: serverStream(log, async function* (req, signal): AsyncGenerator<GetLogsResponse> {
    const query = {
      cell: req.cellName,
      name: req.executableName,
      follow: req.follow,
      offset: int64ToNumber(req.offset, "offset") ?? 0,
    };
    for await (const records of readLogs(executables, query, signal)) yield { entries: records.map(logEntryToProto) };
  }),
});
