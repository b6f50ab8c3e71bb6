import type { LogBatch, LogQuery, PackedLogBatch } from "../../domain/logs/read-logs.js";
import { invalid } from "../../errors.js";
import * as pb from "../../gen/aurae/observe/v1/observe.js";
import { enumFromProto } from "./enums.js";
import { exactTimestamp, keepExactTimestamps } from "./exact-timestamps.js";
import { encodeLogsResponse } from "./log-response-encoder.js";

// A stream selected must be one: UNSPECIFIED in the list is a mistake, not "both" (that is the empty list).
const STREAM_NAMES: Record<pb.LogStream.LOG_STREAM_STDOUT | pb.LogStream.LOG_STREAM_STDERR, "stdout" | "stderr"> = {
  [pb.LogStream.LOG_STREAM_STDOUT]: "stdout",
  [pb.LogStream.LOG_STREAM_STDERR]: "stderr",
};

const withExactTimestamps = keepExactTimestamps(pb.ObserveServiceService, {
  getLogs: { since: 7, until: 8 },
  getDaemonLogs: { since: 4, until: 5 },
});

/**
 * ObserveService, whose since and until keep the nanoseconds a Date drops (records are stamped to the nanosecond),
 * and whose log responses are encoded by encodeLogsResponse (a follower sends hundreds of thousands of entries a second).
 */
export const ObserveServiceExact: typeof pb.ObserveServiceService = {
  ...withExactTimestamps,
  getLogs: { ...withExactTimestamps.getLogs, responseSerialize: encodeLogsResponse },
  getDaemonLogs: { ...withExactTimestamps.getDaemonLogs, responseSerialize: encodeLogsResponse },
};

// since and until were checked as sent (ObserveServiceExact); records are stamped to the nanosecond, so the exact
// Timestamp is used, not the millisecond Date ts-proto made of it.
function nanos(req: object, date: Date | undefined, field: "since" | "until"): bigint | undefined {
  if (date === undefined) return undefined;
  const exact = exactTimestamp(req, field);
  return exact === undefined ? BigInt(date.getTime()) * 1_000_000n : exact.seconds * 1_000_000_000n + BigInt(exact.nanos);
}

export const logQueryFromProto = (req: Omit<pb.GetLogsRequest, "cellName" | "executableName" | "offset" | "packed">): LogQuery => ({
  follow: req.follow,
  ...(req.streams.length > 0 && {
    streams: new Set(req.streams.map((s, i) => enumFromProto(STREAM_NAMES, s, `streams[${i}]`, pb.LogStream))),
  }),
  ...(req.tail !== undefined && { tail: req.tail }),
  ...(req.since && { sinceUnixNano: nanos(req, req.since, "since") }),
  ...(req.until && { untilUnixNano: nanos(req, req.until, "until") }),
  ...(req.cursor !== "" && { cursor: req.cursor }),
});

/** Whether the request asks for packed records; refused for a cell's merged log (see the proto). */
export function isPackedRequest(req: pb.GetLogsRequest): boolean {
  if (req.packed && req.executableName === "")
    throw invalid("packed", "needs an executable_name: a cell's merged log interleaves several logs, read it as entries");
  return req.packed;
}

export const packedLogBatchToProto = (batch: PackedLogBatch): pb.GetLogsResponse => ({
  entries: [],
  cursor: batch.cursor,
  skippedBytes: BigInt(batch.skippedBytes),
  records: batch.records,
  executableName: batch.executable,
  nextOffset: BigInt(batch.nextOffset),
});

export const logBatchToProto = (batch: LogBatch): pb.GetLogsResponse => ({
  entries: batch.records.map((r) => ({
    timeUnixNano: r.timeUnixNano,
    stream: r.stream === "stdout" ? pb.LogStream.LOG_STREAM_STDOUT : pb.LogStream.LOG_STREAM_STDERR,
    partial: r.partial,
    line: r.content,
    nextOffset: BigInt(r.nextOffset),
    executableName: r.executable,
    cursor: r.cursor,
  })),
  cursor: batch.cursor,
  skippedBytes: BigInt(batch.skippedBytes),
  records: NO_RECORDS,
  executableName: "",
  nextOffset: 0n,
});

const NO_RECORDS = Buffer.alloc(0);
