import type { Logger } from "pino";
import type { AuditLog } from "../../domain/audit/audit-log.js";
import type { AuditServiceServer, WatchResponse } from "../../gen/aurae/audit/v1/audit.js";
import { auditEntryToProto, auditFilterFromProto, auditWatchQueryFromProto } from "../convert/audit.js";
import { serverStream, unary } from "../rpc.js";

export const auditService = ({ audit, log }: { audit: AuditLog; log: Logger }): AuditServiceServer => ({
  list: unary(log, async (req) => {
    const page = audit.list(auditFilterFromProto(req.filter), req);
    return { entries: page.entries.map(auditEntryToProto), nextPageToken: page.nextPageToken, epoch: audit.epoch };
  }),
  watch: serverStream(log, async function* (req, signal): AsyncGenerator<WatchResponse> {
    for await (const batch of audit.watch(auditWatchQueryFromProto(req), signal)) yield { entries: batch.map(auditEntryToProto), epoch: audit.epoch };
  }),
});
