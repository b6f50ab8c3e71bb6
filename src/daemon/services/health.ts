// grpc.health.v1 (https://github.com/grpc/grpc/blob/master/doc/health-checking.md) over the generated codecs, in
// place of the grpc-health-check package, which loads proto-loader and protobufjs at start (~4 MiB of the idle
// daemon) for two messages of one field each.
import { EventEmitter, on } from "node:events";
import type { Logger } from "pino";
import { HealthCheckResponse_ServingStatus as ServingStatus, HealthService, type HealthServer } from "../../gen/grpc/health/v1/health.js";
import { notFound, quote } from "../../errors.js";
import { serverStream, unaryAtOnce } from "../rpc.js";

export { HealthService, ServingStatus };

/** The serving status of each service by full name; "" is the server as a whole. */
export class HealthStatuses {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #changes = new EventEmitter();

  constructor(initial: Readonly<Record<string, ServingStatus>>) {
    for (const [service, status] of Object.entries(initial)) this.#statuses.set(service, status);
    // One listener per Watch call, and any number of clients may watch.
    this.#changes.setMaxListeners(0);
  }

  set(service: string, status: ServingStatus): void {
    this.#statuses.set(service, status);
    this.#changes.emit(service, status);
  }

  get(service: string): ServingStatus | undefined {
    return this.#statuses.get(service);
  }

  /**
   * The status now, then each change, until `signal` aborts. A service not (yet) known is SERVICE_UNKNOWN, and the
   * stream stays open: the protocol lets a watcher wait for a service that registers later.
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus> {
    // Listening starts before the first answer, so that no change between the two is missed.
    const changes = on(this.#changes, service, { signal });
    let last = this.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
    yield last;
    for await (const [status] of changes as AsyncIterable<[ServingStatus]>) {
      // The protocol sends changes only: setting the same status again says nothing new.
      if (status !== last) yield (last = status);
    }
  }
}

export interface HealthServiceDeps {
  readonly health: HealthStatuses;
  readonly log: Logger;
}

export const healthService = ({ health, log }: HealthServiceDeps): HealthServer => ({
  check: unaryAtOnce(log, (req: { service: string }) => {
    const status = health.get(req.service);
    if (status === undefined) throw notFound(`service ${quote(req.service)}: no health status (unknown service)`);
    return { status };
  }),
  watch: serverStream(log, async function* (req: { service: string }, signal) {
    for await (const status of health.watch(req.service, signal)) yield { status };
  }),
});
