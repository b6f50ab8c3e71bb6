// The services a client speaks, each from its generated definition: adding a service to the client is one line in
// SERVICES (and, for a stream that can resume or a call that waits, one line below).
import * as audit from "../gen/aurae/audit/v1/audit.js";
import * as cells from "../gen/aurae/cells/v1/cells.js";
import * as events from "../gen/aurae/events/v1/events.js";
import * as executables from "../gen/aurae/executables/v1/executables.js";
import * as images from "../gen/aurae/images/v1/images.js";
import * as node from "../gen/aurae/node/v1/node.js";
import * as observe from "../gen/aurae/observe/v1/observe.js";
import * as pki from "../gen/aurae/pki/v1/pki.js";
import * as health from "../gen/grpc/health/v1/health.js";
import type { ResumeTable, ServiceDefinition } from "./service-client.js";

export const SERVICES = {
  cells: cells.CellServiceDefinition,
  executables: executables.ExecutableServiceDefinition,
  observe: observe.ObserveServiceDefinition,
  events: events.EventServiceDefinition,
  node: node.NodeServiceDefinition,
  pki: pki.PkiServiceDefinition,
  audit: audit.AuditServiceDefinition,
  images: images.ImageServiceDefinition,
  health: health.HealthDefinition,
} as const satisfies Record<string, ServiceDefinition>;

export type Services = typeof SERVICES;

/** Calls that answer when a workload is done (Wait), after a grace period the request chooses, or when a transfer
 * of unknown length ends (a pull, a prune): the client's default deadline would cut them short, so only a deadline
 * the caller gives applies. */
export const WAITING: { readonly [S in keyof Services]?: readonly (keyof Services[S]["methods"])[] } = {
  cells: ["free"],
  executables: ["wait", "stop", "restart"],
  images: ["pull", "prune"],
};

/** Log reads continue after the cursor of the last response (it overrides offset, tail and since). */
const afterCursor = <Req extends { cursor: string }>(request: Req, last: { cursor: string }): Req =>
  last.cursor ? { ...request, cursor: last.cursor } : request;

/**
 * A watch continues after the newest item received (of `items`, a response's list); from_now has then done its work.
 * It names the log's epoch, so a daemon whose log was replaced refuses the resume instead of skipping records.
 */
const afterNewest =
  <K extends string>(items: K) =>
  <Req extends { afterSequence: bigint; fromNow: boolean; epoch: string }>(
    request: Req,
    last: Record<K, readonly { sequence: bigint }[]> & { epoch: string },
  ): Req => {
    const newest = last[items].at(-1);
    return newest ? { ...request, afterSequence: newest.sequence, fromNow: false, epoch: last.epoch } : request;
  };

/** Streams that pick up after a reconnect, and the request that continues right after a response. */
export const RESUMABLE: { readonly [S in keyof Services]?: ResumeTable<Services[S]> } = {
  observe: { getLogs: afterCursor, getDaemonLogs: afterCursor },
  events: { watch: afterNewest("events") },
  audit: { watch: afterNewest("entries") },
};
