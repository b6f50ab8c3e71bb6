// What the audit log records: one API call that changed something or was refused, who made it and how it ended;
// and the filter a reader selects entries with. Documented for clients in proto/aurae/audit/v1/audit.proto.
import { invalid } from "../../errors.js";
import { parseSpiffeIdOrPrefix } from "../../pki/spiffe.js";
import type { AuditQuery } from "../../store/audit-store.js";
import type { SequenceRange } from "../../store/sequenced-table.js";
import { validateCellName } from "../names.js";

/** The gRPC status names of a refused call: the caller was not allowed, not known, or over its limits. */
export const DENIED_CODES = ["PERMISSION_DENIED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED"] as const;

/** A call about to be recorded. */
export interface AuditEntry {
  /** The caller's SPIFFE ID; "" when it was refused before it was authenticated. */
  readonly identity: string;
  /** The full gRPC method: "/aurae.cells.v1.CellService/Free". */
  readonly method: string;
  /** The cell the call acted on, as the request named it, when it names one. */
  readonly cell?: string;
  /** The gRPC status name the call ended with: "OK", "PERMISSION_DENIED", ... */
  readonly code: string;
  /** The status message; "" on success. Never the request: its env values may be secrets. */
  readonly details: string;
  /** The caller's address, or "unix" for the Unix socket. */
  readonly peer: string;
}

/** A mutation about to be acted on: recorded as pending, its outcome not yet known. */
export type AuditIntent = Omit<AuditEntry, "code" | "details">;

export interface RecordedAuditEntry extends AuditEntry {
  readonly sequence: number;
  /** When the call was answered; for a pending entry, when it was received. */
  readonly time: Date;
  /** The call is being acted on: code and details are "" until a completed entry replaces this one. */
  readonly pending: boolean;
  /** The sequence of the pending entry this completed one replaced. */
  readonly replacesSequence?: number;
}

export interface AuditFilter {
  /** Only this SPIFFE ID, or every ID below a prefix ending in "/" ("spiffe://aurae.local/team-a/"). */
  readonly identity?: string;
  /** Only this method ("/aurae.cells.v1.CellService/Free"), or a service's ("aurae.cells.v1.CellService/"). */
  readonly method?: string;
  /** Only calls on this cell and on the cells below it. */
  readonly cell?: string;
  /** Only refused calls: PERMISSION_DENIED and UNAUTHENTICATED. */
  readonly deniedOnly?: boolean;
  /** Only calls recorded at or after this time (ms since the epoch)... */
  readonly sinceMs?: number;
  /** ...and before this one. */
  readonly untilMs?: number;
}

/** A checked filter, in the terms the audit table is read with. */
export type AuditSelection = Omit<AuditQuery, keyof SequenceRange>;

/** A gRPC method path, or a service's prefix of one: "/pkg.Service/Method", "pkg.Service/". */
const METHOD = /^\/?(?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*\/(?:[A-Za-z_][A-Za-z0-9_]*)?$/;
const MAX_METHOD_CHARS = 256;

/** The filter, checked field by field; empty strings mean "any". */
export function validateAuditFilter(filter: AuditFilter): AuditSelection {
  const { sinceMs, untilMs } = filter;
  if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs)
    throw invalid("until", `must be after since (${new Date(sinceMs).toISOString()}), got ${new Date(untilMs).toISOString()}`);
  return {
    ...(filter.identity && { identity: validateIdentityFilter(filter.identity) }),
    ...(filter.method && { method: validateMethodFilter(filter.method) }),
    ...(filter.cell && { cell: validateCellName(filter.cell, "cell_name") }),
    ...(filter.deniedOnly && { codes: DENIED_CODES }),
    ...(sinceMs !== undefined && { sinceMs }),
    ...(untilMs !== undefined && { untilMs }),
  };
}

const validateIdentityFilter = (identity: string): string => parseSpiffeIdOrPrefix(identity, "identity");

function validateMethodFilter(method: string): string {
  if (method.length > MAX_METHOD_CHARS || !METHOD.test(method))
    throw invalid(
      "method",
      `must be a full method ("/aurae.cells.v1.CellService/Free") or a service ending in "/" ("aurae.cells.v1.CellService/"), got "${method}"`,
    );
  return method.startsWith("/") ? method : `/${method}`;
}
