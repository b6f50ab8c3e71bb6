import * as pb from "../../gen/aurae/observe/v1/observe.js";
import type { LogRecord } from "../../domain/logs/read-logs.js";

export const logEntryToProto = (r: LogRecord): pb.LogEntry => ({
  timeUnixNano: r.timeUnixNano,
  stream: r.stream === "stdout" ? pb.LogStream.LOG_STREAM_STDOUT : pb.LogStream.LOG_STREAM_STDERR,
  partial: r.partial,
  line: r.content,
  nextOffset: BigInt(r.nextOffset),
});
