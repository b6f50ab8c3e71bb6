import type { LogBatch, LogQuery } from "../../domain/logs/read-logs.js";
import * as pb from "../../gen/aurae/observe/v1/observe.js";

const STREAM_NAMES: Partial<Record<pb.LogStream, "stdout" | "stderr">> = {
  [pb.LogStream.LOG_STREAM_STDOUT]: "stdout",
  [pb.LogStream.LOG_STREAM_STDERR]: "stderr",
};

const nanos = (date: Date | undefined): bigint | undefined => (date === undefined ? undefined : BigInt(date.getTime()) * 1_000_000n);

export const logQueryFromProto = (req: Omit<pb.GetLogsRequest, "cellName" | "executableName" | "offset">): LogQuery => ({
  follow: req.follow,
  ...(req.streams.length > 0 && { streams: new Set(req.streams.map((s) => STREAM_NAMES[s] ?? "stdout")) }),
  ...(req.tail !== undefined && { tail: req.tail }),
  ...(req.since && { sinceUnixNano: nanos(req.since) }),
  ...(req.until && { untilUnixNano: nanos(req.until) }),
  ...(req.cursor !== "" && { cursor: req.cursor }),
});

export const logBatchToProto = (batch: LogBatch): pb.GetLogsResponse => ({
  entries: batch.records.map((r) => ({
    timeUnixNano: r.timeUnixNano,
    stream: r.stream === "stdout" ? pb.LogStream.LOG_STREAM_STDOUT : pb.LogStream.LOG_STREAM_STDERR,
    partial: r.partial,
    line: r.content,
    nextOffset: BigInt(r.nextOffset),
    executableName: r.executable,
  })),
  cursor: batch.cursor,
  skippedBytes: BigInt(batch.skippedBytes),
});
