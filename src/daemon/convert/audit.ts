// The one file that knows both shapes of an audit entry and of the requests that select entries.
import type { AuditFilter, RecordedAuditEntry } from "../../domain/audit/audit-entry.js";
import type { AuditWatchQuery } from "../../domain/audit/audit-log.js";
import * as pb from "../../gen/aurae/audit/v1/audit.js";
import { keepExactTimestamps } from "./exact-timestamps.js";
import { uint64ToNumber } from "./int64.js";

/** AuditService, whose filters' Timestamps are checked as sent: the Dates of its requests are then times to compare. */
export const AuditServiceExact = keepExactTimestamps(pb.AuditServiceService, {
  list: { "filter.since": [3, 5], "filter.until": [3, 6] },
  watch: { "filter.since": [4, 5], "filter.until": [4, 6] },
});

export const auditFilterFromProto = (m: pb.Filter | undefined): AuditFilter => ({
  identity: m?.identity ?? "",
  method: m?.method ?? "",
  cell: m?.cellName ?? "",
  deniedOnly: m?.deniedOnly ?? false,
  ...(m?.since && { sinceMs: m.since.getTime() }),
  ...(m?.until && { untilMs: m.until.getTime() }),
});

export const auditWatchQueryFromProto = (m: pb.WatchRequest): AuditWatchQuery => ({
  ...auditFilterFromProto(m.filter),
  afterSequence: uint64ToNumber(m.afterSequence, "after_sequence") ?? 0,
  epoch: m.epoch,
  fromNow: m.fromNow,
  follow: m.follow,
});

export const auditEntryToProto = (e: RecordedAuditEntry): pb.AuditEntry => ({
  sequence: BigInt(e.sequence),
  time: e.time,
  identity: e.identity,
  method: e.method,
  cellName: e.cell ?? "",
  code: e.code,
  details: e.details,
  peer: e.peer,
  pending: e.pending,
  replacesSequence: BigInt(e.replacesSequence ?? 0),
});
