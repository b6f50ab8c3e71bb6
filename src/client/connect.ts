import { readFile } from "node:fs/promises";
import * as grpc from "@grpc/grpc-js";
import * as cells from "../gen/aurae/cells/v1/cells.js";
import * as events from "../gen/aurae/events/v1/events.js";
import * as executables from "../gen/aurae/executables/v1/executables.js";
import * as node from "../gen/aurae/node/v1/node.js";
import * as observe from "../gen/aurae/observe/v1/observe.js";
import * as health from "../gen/grpc/health/v1/health.js";
import { resolveClientConfig, type ClientOptions, type ResolvedClientConfig } from "./client-config.js";
import { AuraeClientError } from "./errors.js";
import { serviceClient } from "./service-client.js";

function makeServices(channel: grpc.Client, target: string) {
  return {
    cells: serviceClient(channel, target, cells.CellServiceService, {
      allocate: cells.AllocateRequest,
      free: cells.FreeRequest,
      update: cells.UpdateRequest,
      freeze: cells.FreezeRequest,
      thaw: cells.ThawRequest,
      stats: cells.StatsRequest,
      get: cells.GetRequest,
      list: cells.ListRequest,
    }),
    executables: serviceClient(channel, target, executables.ExecutableServiceService, {
      start: executables.StartRequest,
      stop: executables.StopRequest,
      signal: executables.SignalRequest,
      wait: executables.WaitRequest,
      get: executables.GetRequest,
      list: executables.ListRequest,
    }),
    observe: serviceClient(channel, target, observe.ObserveServiceService, {
      getLogs: observe.GetLogsRequest,
      getDaemonLogs: observe.GetDaemonLogsRequest,
    }),
    events: serviceClient(channel, target, events.EventServiceService, { watch: events.WatchRequest, list: events.ListRequest }),
    node: serviceClient(channel, target, node.NodeServiceService, { info: node.InfoRequest }),
    health: serviceClient(channel, target, health.HealthService, {
      check: health.HealthCheckRequest,
      watch: health.HealthCheckRequest,
    }),
  };
}

export type AuraeClient = ReturnType<typeof makeServices> & {
  /** Where the client connects ("unix:/run/aurae/aurae.sock" or an address). */
  readonly target: string;
  close(): void;
};

/** Connects to auraed with mutual TLS, finding credentials as resolveClientConfig describes. */
export async function connect(options: ClientOptions = {}): Promise<AuraeClient> {
  const config = await resolveClientConfig(options);
  const channel = new grpc.Client(config.target, await credentials(config), {
    ...(config.serverName && { "grpc.ssl_target_name_override": config.serverName, "grpc.default_authority": config.serverName }),
    "grpc.max_receive_message_length": 64 << 20,
  });
  return { ...makeServices(channel, config.target), target: config.target, close: () => channel.close() };
}

async function credentials(config: ResolvedClientConfig): Promise<grpc.ChannelCredentials> {
  const read = async (path: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new AuraeClientError("invalid", `read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  const [ca, key, cert] = await Promise.all([
    read(config.caCrt, "CA certificate"),
    read(config.clientKey, "client key"),
    read(config.clientCrt, "client certificate"),
  ]);
  return grpc.credentials.createSsl(ca, key, cert);
}
