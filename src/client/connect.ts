// connect(): one mTLS channel to auraed and a typed client per service on it.
import { readFile } from "node:fs/promises";
import * as grpc from "@grpc/grpc-js";
import type { Channel } from "./calls.js";
import { resolveClientConfig, fileFault, type ClientOptions, type ResolvedClientConfig } from "./client-config.js";
import { InvalidArgumentError } from "./errors.js";
import { serviceClient, type ServiceClient } from "./service-client.js";
import { RESUMABLE, SERVICES, WAITING, type Services } from "./services.js";

/** Deadline of a call that does not wait for a workload, unless the call or connect() gives another. */
export const DEFAULT_DEADLINE_MS = 30_000;

/** The typed client of one service: `ClientOf<"cells">`. */
export type ClientOf<S extends keyof Services> = ServiceClient<Services[S]>;

export type AuraeClient = { readonly [S in keyof Services]: ClientOf<S> } & {
  /** Where the client connects ("unix:/run/aurae/aurae.sock" or an address). */
  readonly target: string;
  close(): void;
};

/** Connects to auraed with mutual TLS, finding credentials as resolveClientConfig describes. */
export async function connect(options: ClientOptions = {}): Promise<AuraeClient> {
  defaultDeadlineMs(options); // bad options fail before a channel exists
  const config = await resolveClientConfig(options);
  const client = new grpc.Client(config.target, await credentials(config), {
    ...(config.serverName && { "grpc.ssl_target_name_override": config.serverName, "grpc.default_authority": config.serverName }),
    "grpc.max_receive_message_length": 64 << 20,
    // grpc-js waits up to 2 minutes between attempts to reach a daemon that went away; a restarted auraed should be
    // found within seconds.
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 5000,
  });
  return clientOver({ client, target: config.target }, options);
}

/** The typed services over a channel that is already set up; close() closes the channel. */
export function clientOver(channel: Channel, options: Pick<ClientOptions, "deadlineMs" | "resume"> = {}): AuraeClient {
  const deadlineMs = defaultDeadlineMs(options);
  const services = Object.fromEntries(
    (Object.keys(SERVICES) as (keyof Services)[]).map((name) => [
      name,
      serviceClient(channel, SERVICES[name], {
        defaultDeadlineMs: deadlineMs,
        waiting: WAITING[name],
        resumable: RESUMABLE[name],
        resume: options.resume ?? {},
      } as never),
    ]),
  ) as { [S in keyof Services]: ClientOf<S> };
  return { ...services, target: channel.target, close: () => channel.client.close() };
}

function defaultDeadlineMs(options: Pick<ClientOptions, "deadlineMs">): number {
  const ms = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (ms >= 0) return ms;
  throw new InvalidArgumentError(`deadlineMs: must be 0 (none) or more, got ${ms}`, { field: "deadlineMs" });
}

async function credentials(config: ResolvedClientConfig): Promise<grpc.ChannelCredentials> {
  const from = config.configPath === undefined ? "" : ` in ${config.configPath}`;
  const read = async (path: string, what: string, key: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new InvalidArgumentError(`${what} ${path} ${fileFault(err)} (check ${key}${from}, or issue new credentials with "aer pki issue")`, {
        cause: err,
      });
    }
  };
  const [ca, key, cert] = await Promise.all([
    read(config.caCrt, "CA certificate", "ca_crt"),
    read(config.clientKey, "client key", "client_key"),
    read(config.clientCrt, "client certificate", "client_crt"),
  ]);
  return grpc.credentials.createSsl(ca, key, cert);
}
